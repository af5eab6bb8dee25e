package testenv_test

import (
	"errors"
	"os"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	ddbtypes "github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/aws-sdk-go-v2/service/sesv2"
	sestypes "github.com/aws/aws-sdk-go-v2/service/sesv2/types"
	"github.com/aws/aws-sdk-go-v2/service/sns"
	snstypes "github.com/aws/aws-sdk-go-v2/service/sns/types"

	"github.com/example/myprofile/infra/localcloud"
	"github.com/example/myprofile/infra/localcloud/testenv"
)

func TestMain(m *testing.M) { testenv.Main(m) }

func TestDynamoDBGivesEachTestItsOwnTable(t *testing.T) {
	var names []string
	for i := range 2 {
		db, name := testenv.DynamoDB(t)
		names = append(names, name)
		out, err := db.DescribeTable(t.Context(), &dynamodb.DescribeTableInput{TableName: aws.String(name)})
		if err != nil {
			t.Fatalf("table %d: %v", i, err)
		}
		if out.Table.TableStatus != ddbtypes.TableStatusActive {
			t.Errorf("table %d status: got %s, want ACTIVE", i, out.Table.TableStatus)
		}
	}
	if names[0] == names[1] {
		t.Fatalf("two calls gave the same table %q", names[0])
	}
	if os.Getenv(localcloud.EnvDynamoDBEndpoint) == "" {
		t.Errorf("%s not set for code under test", localcloud.EnvDynamoDBEndpoint)
	}

	var deleted string
	t.Run("table is deleted when the test ends", func(t *testing.T) {
		_, deleted = testenv.DynamoDB(t)
	})
	db, _ := testenv.DynamoDB(t)
	_, err := db.DescribeTable(t.Context(), &dynamodb.DescribeTableInput{TableName: aws.String(deleted)})
	var nf *ddbtypes.ResourceNotFoundException
	if !errors.As(err, &nf) {
		t.Fatalf("describe deleted table: got %v, want ResourceNotFoundException", err)
	}
}

func TestSESDeliversToTheStore(t *testing.T) {
	client, endpoint := testenv.SES(t)
	to := testenv.Email(t)
	_, err := client.SendEmail(t.Context(), &sesv2.SendEmailInput{
		FromEmailAddress: aws.String("no-reply@example.com"),
		Destination:      &sestypes.Destination{ToAddresses: []string{to}},
		Content: &sestypes.EmailContent{Simple: &sestypes.Message{
			Subject: &sestypes.Content{Data: aws.String("Hello")},
			Body:    &sestypes.Body{Text: &sestypes.Content{Data: aws.String("body")}},
		}},
	})
	if err != nil {
		t.Fatal(err)
	}
	msgs, err := localcloud.SESMessages(t.Context(), endpoint)
	if err != nil {
		t.Fatal(err)
	}
	var found int
	for _, m := range msgs {
		if len(m.To) == 1 && m.To[0] == to && m.Subject == "Hello" && m.Text == "body" {
			found++
		}
	}
	if found != 1 {
		t.Fatalf("emails to %s: got %d, want 1", to, found)
	}
}

func TestSNSRecordsSMS(t *testing.T) {
	client, endpoint := testenv.SNS(t)
	phone := "+1415" + digits(testenv.RandomID(t), 7)
	_, err := client.Publish(t.Context(), &sns.PublishInput{
		PhoneNumber: aws.String(phone),
		Message:     aws.String("Your code is 654321"),
		MessageAttributes: map[string]snstypes.MessageAttributeValue{
			"AWS.SNS.SMS.SMSType": {DataType: aws.String("String"), StringValue: aws.String("Transactional")},
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	msgs, err := localcloud.SMSMessages(t.Context(), endpoint)
	if err != nil {
		t.Fatal(err)
	}
	var got []localcloud.SMS
	for _, m := range msgs {
		if m.PhoneNumber == phone {
			got = append(got, m)
		}
	}
	if len(got) != 1 || got[0].Message != "Your code is 654321" || got[0].SMSType != "Transactional" {
		t.Fatalf("messages to %s: got %+v, want one transactional with the code", phone, got)
	}
}

// digits maps hex characters to n decimal digits.
func digits(hex string, n int) string {
	b := make([]byte, n)
	for i := range b {
		b[i] = '0' + hex[i]%10
	}
	return string(b)
}
