package scim

import (
	"encoding/json"
	"net/http"
	"strconv"
	"sync"

	"github.com/scimd/scimd/mapping"
)

// listPage is the ListResponse of a query (RFC 7644 §3.4.2; RFC 9865 with
// cursor paging). Each resource is a mapping.Doc or, from the users' fast
// path, a json.RawMessage already encoded.
type listPage struct {
	resources []any
	total     int
	// startIndex is shown with index paging only.
	startIndex   int
	cursorPaging bool
	// nextCursor is shown when hasNext (cursor paging, more pages).
	nextCursor string
	hasNext    bool
}

// doc is the page as a map, which json.Marshal writes as appendJSON does.
func (l *listPage) doc() map[string]any {
	d := listDoc(l.resources, l.total, l.startIndex)
	if l.cursorPaging {
		delete(d, "startIndex")
		if l.hasNext {
			d["nextCursor"] = l.nextCursor
		}
	}
	return d
}

// appendJSON appends the page in the bytes json.Marshal(l.doc()) writes:
// the members in its sorted order, each resource as json.Marshal writes it
// (an encoded one as it is: AppendUserJSON writes compact, escaped JSON).
func (l *listPage) appendJSON(b []byte) ([]byte, error) {
	b = append(b, `{"Resources":[`...)
	for i, r := range l.resources {
		if i > 0 {
			b = append(b, ',')
		}
		if raw, ok := r.(json.RawMessage); ok {
			b = append(b, raw...)
			continue
		}
		enc, err := json.Marshal(r)
		if err != nil {
			return nil, err
		}
		b = append(b, enc...)
	}
	b = append(b, `],"itemsPerPage":`...)
	b = strconv.AppendInt(b, int64(len(l.resources)), 10)
	if l.cursorPaging && l.hasNext {
		b = append(b, `,"nextCursor":`...)
		b = mapping.AppendJSONString(b, l.nextCursor)
	}
	b = append(b, `,"schemas":["`+listResponseSchema+`"]`...)
	if !l.cursorPaging {
		b = append(b, `,"startIndex":`...)
		b = strconv.AppendInt(b, int64(l.startIndex), 10)
	}
	b = append(b, `,"totalResults":`...)
	b = strconv.AppendInt(b, int64(l.total), 10)
	return append(b, '}'), nil
}

// listBuffers recycles the buffers pages are written into: the response
// writer copies what it is given.
var listBuffers = sync.Pool{New: func() any { b := make([]byte, 0, 4096); return &b }}

// writeList answers with a page.
func writeList(w http.ResponseWriter, l *listPage) {
	bp := listBuffers.Get().(*[]byte)
	body, err := l.appendJSON((*bp)[:0])
	if err != nil {
		writeJSON(w, http.StatusOK, l.doc()) // answers 500 as writeJSON does for what cannot be encoded
		listBuffers.Put(bp)
		return
	}
	w.Header().Set("Content-Type", contentType)
	w.WriteHeader(http.StatusOK)
	w.Write(body)
	if cap(body) <= 1<<20 { // a huge page's buffer is left to the collector
		*bp = body
		listBuffers.Put(bp)
	}
}
