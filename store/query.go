package store

// Query selects one page of resources.
type Query struct {
	// Filter restricts the result; nil matches everything.
	Filter Expr
	// Sort orders the result; nil orders by creation (then id).
	Sort *Field
	// Desc reverses the order.
	Desc bool

	// Offset and Limit page by index (RFC 7644 §3.4.2.4). Limit 0 returns
	// no items (only Total, when asked).
	Offset int
	Limit  int

	// Keyset pages by cursor (RFC 9865): Offset is ignored, After is the
	// position of the previous page's last item (nil for the first page) and
	// Page.Next is set when more items follow.
	Keyset bool
	After  *Cursor

	// Total asks for the number of all matching resources.
	Total bool
	// Load says which child parts to read for each item.
	Load Load
}

// Page is one page of a query's answer.
type Page[T any] struct {
	Items []T
	// Total is the number of all matching resources, -1 if not counted.
	Total int
	// Next is the keyset position after the last item, nil on the last page.
	Next *Cursor
}

// Cursor is a keyset position: the sort value and id of the last item seen.
type Cursor struct {
	// Value is the sort key (string, bool, int64, float64 or time.Time;
	// nil when the item had no value or the query had no Sort).
	Value any
	// Created is the creation time in microseconds, the key when Sort is nil.
	Created int64
	ID      string
}

// Type is the data type of a field, as RFC 7643 §2.3 defines them.
type Type uint8

// Field types.
const (
	TypeString Type = iota
	TypeBool
	TypeTime
	TypeInt
	TypeDecimal
)

// Field names a column the filter or sort refers to. Column names come from
// the mapping package's table, never from a client.
type Field struct {
	// Set is "" for a column of the resource's own row, or the child set the
	// column belongs to: a name in ValueAttrs, "addresses", "members", "groups".
	Set string
	// Column is the column name (in the resource table or the child table).
	Column    string
	Type      Type
	CaseExact bool
}

// Expr is a filter expression.
type Expr interface{ isExpr() }

// Op is a comparison operator (RFC 7644 §3.4.2.2).
type Op string

// Comparison operators.
const (
	OpEq Op = "eq"
	OpNe Op = "ne"
	OpCo Op = "co"
	OpSw Op = "sw"
	OpEw Op = "ew"
	OpGt Op = "gt"
	OpGe Op = "ge"
	OpLt Op = "lt"
	OpLe Op = "le"
	OpPr Op = "pr"
)

// Compare compares a field with a value. Value is a string, bool, int64,
// float64 or time.Time matching Field.Type; it is nil for OpPr.
type Compare struct {
	Field Field
	Op    Op
	Value any
}

// And is true when both sides are.
type And struct{ Left, Right Expr }

// Or is true when either side is.
type Or struct{ Left, Right Expr }

// Not negates X.
type Not struct{ X Expr }

// Has is true when some element of a child set satisfies Where; a nil Where
// asks only whether the set has any element.
type Has struct {
	Set   string
	Where Expr
}

func (Compare) isExpr() {}
func (And) isExpr()     {}
func (Or) isExpr()      {}
func (Not) isExpr()     {}
func (Has) isExpr()     {}
