// Command balances is the `balances` Lambda: see shared/catalog for its trigger.
package main

import (
	"github.com/example/myprofile/shared/app"
	"github.com/example/myprofile/shared/app/billingwire"
)

func main() { app.StartHandler("balances", billingwire.BalancesJob) }
