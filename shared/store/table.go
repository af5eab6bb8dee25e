package store

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	ddbtypes "github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/example/myprofile/shared/store/schema"
)

// Attribute names, indexes and the definition live in package schema (no
// imports, so infra can use them); these aliases keep store's code short.
const (
	AttrPK     = schema.AttrPK
	AttrSK     = schema.AttrSK
	AttrGSI1PK = schema.AttrGSI1PK
	AttrGSI1SK = schema.AttrGSI1SK
	AttrGSI2PK = schema.AttrGSI2PK
	AttrGSI2SK = schema.AttrGSI2SK
	AttrTTL    = schema.AttrTTL
)

// Index and TableDefinition are schema's.
type (
	Index           = schema.Index
	TableDefinition = schema.TableDefinition
)

// The table's indexes.
var (
	GSI1 = schema.GSI1
	GSI2 = schema.GSI2
)

// Definition returns the table's definition.
func Definition() TableDefinition { return schema.Definition() }

// CreateTableInput is the definition as a DynamoDB CreateTable request
// (on-demand billing, every index projecting all attributes).
func CreateTableInput(d TableDefinition, name string) *dynamodb.CreateTableInput {
	attrs := []ddbtypes.AttributeDefinition{
		{AttributeName: aws.String(d.PK), AttributeType: ddbtypes.ScalarAttributeTypeS},
		{AttributeName: aws.String(d.SK), AttributeType: ddbtypes.ScalarAttributeTypeS},
	}
	var gsis []ddbtypes.GlobalSecondaryIndex
	for _, ix := range d.Indexes {
		attrs = append(attrs,
			ddbtypes.AttributeDefinition{AttributeName: aws.String(ix.PK), AttributeType: ddbtypes.ScalarAttributeTypeS},
			ddbtypes.AttributeDefinition{AttributeName: aws.String(ix.SK), AttributeType: ddbtypes.ScalarAttributeTypeS},
		)
		gsis = append(gsis, ddbtypes.GlobalSecondaryIndex{
			IndexName: aws.String(ix.Name),
			KeySchema: []ddbtypes.KeySchemaElement{
				{AttributeName: aws.String(ix.PK), KeyType: ddbtypes.KeyTypeHash},
				{AttributeName: aws.String(ix.SK), KeyType: ddbtypes.KeyTypeRange},
			},
			Projection: &ddbtypes.Projection{ProjectionType: ddbtypes.ProjectionTypeAll},
		})
	}
	return &dynamodb.CreateTableInput{
		TableName:            aws.String(name),
		BillingMode:          ddbtypes.BillingModePayPerRequest,
		AttributeDefinitions: attrs,
		KeySchema: []ddbtypes.KeySchemaElement{
			{AttributeName: aws.String(d.PK), KeyType: ddbtypes.KeyTypeHash},
			{AttributeName: aws.String(d.SK), KeyType: ddbtypes.KeyTypeRange},
		},
		GlobalSecondaryIndexes: gsis,
	}
}

// CreateTable creates the table if it does not exist, waits until it is
// active and turns on TTL. It is used by the local gateway and tests; in AWS
// the CDK stack owns the table.
func CreateTable(ctx context.Context, db *dynamodb.Client, name string) error {
	d := Definition()
	_, err := db.CreateTable(ctx, CreateTableInput(d, name))
	var inUse *ddbtypes.ResourceInUseException
	if err != nil && !errors.As(err, &inUse) {
		return fmt.Errorf("create table %s: %w", name, err)
	}
	w := dynamodb.NewTableExistsWaiter(db, func(o *dynamodb.TableExistsWaiterOptions) {
		o.MinDelay = 100 * time.Millisecond
		o.MaxDelay = time.Second
	})
	if err := w.Wait(ctx, &dynamodb.DescribeTableInput{TableName: aws.String(name)}, 30*time.Second); err != nil {
		return fmt.Errorf("wait for table %s: %w", name, err)
	}
	_, err = db.UpdateTimeToLive(ctx, &dynamodb.UpdateTimeToLiveInput{
		TableName: aws.String(name),
		TimeToLiveSpecification: &ddbtypes.TimeToLiveSpecification{
			AttributeName: aws.String(d.TTL), Enabled: aws.Bool(true),
		},
	})
	if err != nil && !isTTLAlreadyEnabled(err) {
		return fmt.Errorf("enable ttl on %s: %w", name, err)
	}
	return nil
}

func isTTLAlreadyEnabled(err error) bool {
	var ve interface{ ErrorMessage() string }
	if errors.As(err, &ve) {
		return strings.Contains(strings.ToLower(ve.ErrorMessage()), "already enabled")
	}
	return false
}
