// Command hello is the hello-world Lambda the cold-start benchmark
// (BenchmarkColdStart) measures every function against: aws-lambda-go and
// a handler answering a constant, built the same way as the functions.
package main

import (
	"context"

	"github.com/aws/aws-lambda-go/lambda"
)

func main() {
	lambda.Start(func(context.Context) (string, error) { return "hello", nil })
}
