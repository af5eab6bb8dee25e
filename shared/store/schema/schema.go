// Package schema is the single table's definition: key attributes, sparse
// global secondary indexes and the TTL attribute. It imports nothing, so the
// CDK stack (infra), the local gateway and the tests can build the table
// from it without compiling the capability code. shared/store/keys.go lists
// what the keys hold.
package schema

// Attribute names of the single table.
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

// The table's indexes.
var (
	GSI1 = Index{Name: "gsi1", PK: AttrGSI1PK, SK: AttrGSI1SK}
	GSI2 = Index{Name: "gsi2", PK: AttrGSI2PK, SK: AttrGSI2SK}
)

// TableDefinition is the one definition of the table.
type TableDefinition struct {
	PK, SK  string
	Indexes []Index
	TTL     string
}

// Definition returns the table's definition.
func Definition() TableDefinition {
	return TableDefinition{PK: AttrPK, SK: AttrSK, Indexes: []Index{GSI1, GSI2}, TTL: AttrTTL}
}
