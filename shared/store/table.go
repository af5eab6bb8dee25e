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
)

// Attribute names of the single table. Keys are generic strings; what they
// hold is listed in keys.go.
const (
	AttrPK     = "pk"
	AttrSK     = "sk"
	AttrGSI1PK = "gsi1pk"
	AttrGSI1SK = "gsi1sk"
	AttrGSI2PK = "gsi2pk"
	AttrGSI2SK = "gsi2sk"
	// AttrTTL holds an epoch-seconds expiry. DynamoDB deletes such items some
	// time after the instant; code must also treat an expired item as absent.
	AttrTTL = "ttl"
)

// Index describes a global secondary index. All indexes are sparse: an item
// appears in one only when it carries that index's partition key attribute.
type Index struct {
	Name string
	PK   string
	SK   string
}

// The table's indexes. See keys.go for what each holds.
var (
	GSI1 = Index{Name: "gsi1", PK: AttrGSI1PK, SK: AttrGSI1SK}
	GSI2 = Index{Name: "gsi2", PK: AttrGSI2PK, SK: AttrGSI2SK}
)

// TableDefinition is the one definition of the table: the CDK stack, the
// local gateway and the tests all build the table from it.
type TableDefinition struct {
	PK, SK  string
	Indexes []Index
	TTL     string
}

// Definition returns the table's definition.
func Definition() TableDefinition {
	return TableDefinition{PK: AttrPK, SK: AttrSK, Indexes: []Index{GSI1, GSI2}, TTL: AttrTTL}
}

// CreateTableInput is the definition as a DynamoDB CreateTable request
// (on-demand billing, every index projecting all attributes).
func (d TableDefinition) CreateTableInput(name string) *dynamodb.CreateTableInput {
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
	_, err := db.CreateTable(ctx, d.CreateTableInput(name))
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
