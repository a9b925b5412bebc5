package scim

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/scimd/scimd/mapping"
	"github.com/scimd/scimd/store"
)

const searchRequestSchema = "urn:ietf:params:scim:api:messages:2.0:SearchRequest"

// search holds the parameters of a query (RFC 7644 §3.4.2, RFC 9865), from
// the URL of a GET or the body of a POST .search.
type search struct {
	filter     string
	sortBy     string
	sortOrder  string
	startIndex int // 0 when absent
	count      int // -1 when absent
	cursor     *string
	attributes string
	excluded   string
}

func searchFromQuery(q url.Values) (search, error) {
	sr := search{
		filter: q.Get("filter"), sortBy: q.Get("sortBy"), sortOrder: q.Get("sortOrder"),
		attributes: q.Get("attributes"), excluded: q.Get("excludedAttributes"), count: -1,
	}
	if q.Has("cursor") {
		c := q.Get("cursor")
		sr.cursor = &c
	}
	var err error
	if v := q.Get("startIndex"); v != "" {
		if sr.startIndex, err = strconv.Atoi(v); err != nil {
			return sr, badRequest(typeInvalidValue, "startIndex must be an integer, not %q", v)
		}
		sr.startIndex = max(sr.startIndex, 1)
	}
	if v := q.Get("count"); v != "" {
		if sr.count, err = strconv.Atoi(v); err != nil {
			return sr, badRequest(typeInvalidValue, "count must be an integer, not %q", v)
		}
		sr.count = max(sr.count, 0)
	}
	return sr, nil
}

// searchFromBody reads a SearchRequest (RFC 7644 §3.4.3).
func searchFromBody(doc mapping.Doc) (search, error) {
	sr := search{count: -1}
	for k, v := range doc {
		switch strings.ToLower(k) {
		case "schemas":
			list, _ := v.([]any)
			ok := false
			for _, s := range list {
				if str, _ := s.(string); strings.EqualFold(str, searchRequestSchema) {
					ok = true
				}
			}
			if !ok {
				return sr, badRequest(typeInvalidValue, "a search request must have \"schemas\": [%q]", searchRequestSchema)
			}
		case "filter", "sortby", "sortorder", "cursor":
			s, ok := v.(string)
			if !ok {
				return sr, badRequest(typeInvalidValue, "%s must be a string", k)
			}
			switch strings.ToLower(k) {
			case "filter":
				sr.filter = s
			case "sortby":
				sr.sortBy = s
			case "sortorder":
				sr.sortOrder = s
			case "cursor":
				sr.cursor = &s
			}
		case "attributes", "excludedattributes":
			names, err := stringList(k, v)
			if err != nil {
				return sr, err
			}
			if strings.ToLower(k) == "attributes" {
				sr.attributes = names
			} else {
				sr.excluded = names
			}
		case "startindex", "count":
			n, ok := v.(json.Number)
			i, err := n.Int64()
			if !ok || err != nil {
				return sr, badRequest(typeInvalidValue, "%s must be an integer", k)
			}
			if strings.ToLower(k) == "startindex" {
				sr.startIndex = max(int(i), 1)
			} else {
				sr.count = max(int(i), 0)
			}
		}
	}
	return sr, nil
}

// stringList reads attributes/excludedAttributes: an array of names (or,
// leniently, one comma-separated string).
func stringList(key string, v any) (string, error) {
	switch x := v.(type) {
	case string:
		return x, nil
	case []any:
		names := make([]string, 0, len(x))
		for _, el := range x {
			s, ok := el.(string)
			if !ok {
				return "", badRequest(typeInvalidValue, "%s must be an array of attribute names", key)
			}
			names = append(names, s)
		}
		return strings.Join(names, ","), nil
	}
	return "", badRequest(typeInvalidValue, "%s must be an array of attribute names", key)
}

// plan is a search turned into a store query for one resource type.
type plan struct {
	q          store.Query
	proj       mapping.Projection
	startIndex int
	signature  string
	// total is the count carried in a cursor (-1 when this page counts).
	total int
}

func (s *Server) plan(ctx context.Context, rt *mapping.ResourceType, sr search) (plan, error) {
	p := plan{proj: rt.ParseProjection(sr.attributes, sr.excluded), startIndex: 1, total: -1}
	if sr.filter != "" {
		expr, err := parseFilter(rt, sr.filter)
		if err != nil {
			return p, err
		}
		p.q.Filter = expr
	}
	if sr.sortBy != "" {
		a, err := rt.ResolvePath(sr.sortBy)
		if err == nil && a.Type == mapping.Complex {
			a = a.SubAttr("value")
		}
		if err != nil || a == nil || a.Field == nil || a.Field.Set == "groups" || a.Field.Set == "members" {
			return p, badRequest(typeInvalidValue, "cannot sort by %q: sortBy must name a singular attribute of %s (or a multi-valued one, sorted by its primary value)", sr.sortBy, rt.Name)
		}
		p.q.Sort = a.Field
	}
	switch strings.ToLower(sr.sortOrder) {
	case "", "ascending":
	case "descending":
		p.q.Desc = true
	default:
		return p, badRequest(typeInvalidValue, "sortOrder must be \"ascending\" or \"descending\", not %q", sr.sortOrder)
	}
	count := sr.count
	if count < 0 {
		count = s.cfg.DefaultPageSize
	}
	p.q.Limit = min(count, s.cfg.MaxResults)
	if sr.cursor != nil {
		if sr.startIndex > 0 {
			return p, badRequest(typeInvalidValue, "use either startIndex (index paging) or cursor (cursor paging), not both")
		}
		p.q.Keyset = true
		if p.q.Limit == 0 {
			return p, badRequest(typeInvalidCount, "count must be at least 1 with cursor paging")
		}
		// The tenant is part of the signature: a cursor replayed by another
		// tenant is refused as one issued for another query.
		p.signature = querySignature(tenantID(ctx), rt.Name, sr.filter, sr.sortBy, strings.ToLower(sr.sortOrder))
		if *sr.cursor == "" {
			// The first page counts; later pages carry the count in the
			// cursor, so that a walk over a large tenant counts once.
			p.q.Total = true
			return p, nil
		}
		cur, total, err := s.cursors.decode(ctx, *sr.cursor, p.signature)
		if err != nil {
			return p, err
		}
		p.q.After, p.total = cur, total
		return p, nil
	}
	p.q.Total = true
	if sr.startIndex > 0 {
		p.startIndex = sr.startIndex
	}
	p.q.Offset = p.startIndex - 1
	return p, nil
}

// listResponse builds the ListResponse for a page.
func (s *Server) listResponse(ctx context.Context, p plan, resources []any, total int, next *store.Cursor) (*listPage, error) {
	if !p.q.Keyset {
		return &listPage{resources: resources, total: total, startIndex: p.startIndex}, nil
	}
	if total < 0 {
		total = p.total
	}
	page := &listPage{resources: resources, total: total, cursorPaging: true}
	if next != nil {
		c, err := s.cursors.encode(ctx, next, total, p.signature)
		if err != nil {
			return nil, err
		}
		page.nextCursor, page.hasNext = c, true
	}
	return page, nil
}

func (s *Server) queryUsers(ctx context.Context, r *http.Request, sr search) (*listPage, error) {
	return query(ctx, s, r, sr, s.reg.User, mapping.Projection.UserLoad, s.store.ListUsers,
		func(u *store.User, base string, p mapping.Projection) (any, error) {
			return s.renderUser(ctx, u, base, p)
		})
}

func (s *Server) queryGroups(ctx context.Context, r *http.Request, sr search) (*listPage, error) {
	return query(ctx, s, r, sr, s.reg.Group, mapping.Projection.GroupLoad, s.store.ListGroups,
		func(g *store.Group, base string, p mapping.Projection) (any, error) {
			doc, err := s.encodeGroup(ctx, g, base)
			if err != nil {
				return nil, err
			}
			return p.Apply(s.reg.Group, doc), nil
		})
}

// query answers a search over one resource type: plan, list, encode and
// project each resource, build the ListResponse.
func query[T any](ctx context.Context, s *Server, r *http.Request, sr search, rt *mapping.ResourceType,
	load func(mapping.Projection, *mapping.ResourceType) store.Load,
	list func(context.Context, string, store.Query) (*store.Page[T], error),
	encode func(T, string, mapping.Projection) (any, error),
) (*listPage, error) {
	p, err := s.plan(ctx, rt, sr)
	if err != nil {
		return nil, err
	}
	p.q.Load = load(p.proj, rt)
	page, err := list(ctx, tenantID(ctx), p.q)
	if err != nil {
		return nil, err
	}
	base := baseURL(r)
	res := make([]any, len(page.Items))
	for i, item := range page.Items {
		doc, err := encode(item, base, p.proj)
		if err != nil {
			return nil, err
		}
		res[i] = doc
	}
	return s.listResponse(ctx, p, res, page.Total, page.Next)
}

func (s *Server) listUsers(w http.ResponseWriter, r *http.Request) {
	s.serveList(w, r, s.queryUsers)
}

func (s *Server) listGroups(w http.ResponseWriter, r *http.Request) {
	s.serveList(w, r, s.queryGroups)
}

type queryFunc func(ctx context.Context, r *http.Request, sr search) (*listPage, error)

func (s *Server) serveList(w http.ResponseWriter, r *http.Request, query queryFunc) {
	sr, err := searchFromQuery(r.URL.Query())
	if err == nil {
		var page *listPage
		if page, err = query(r.Context(), r, sr); err == nil {
			writeList(w, page)
			return
		}
	}
	writeError(w, r, err)
}

func (s *Server) serveSearch(w http.ResponseWriter, r *http.Request, query queryFunc) {
	body, err := s.readJSON(r)
	if err != nil {
		writeError(w, r, err)
		return
	}
	sr, err := searchFromBody(body)
	if err == nil {
		var page *listPage
		if page, err = query(r.Context(), r, sr); err == nil {
			writeList(w, page)
			return
		}
	}
	writeError(w, r, err)
}

func (s *Server) searchUsers(w http.ResponseWriter, r *http.Request) {
	s.serveSearch(w, r, s.queryUsers)
}
func (s *Server) searchGroups(w http.ResponseWriter, r *http.Request) {
	s.serveSearch(w, r, s.queryGroups)
}

// searchRoot searches every resource type (RFC 7644 §3.4.3): users, then
// groups, with index paging over the two lists one after the other. A
// filter on an attribute one type lacks matches nothing of that type.
func (s *Server) searchRoot(w http.ResponseWriter, r *http.Request) {
	s.serveSearch(w, r, func(ctx context.Context, r *http.Request, sr search) (*listPage, error) {
		if sr.cursor != nil {
			return nil, badRequest(typeInvalidValue, "cursor paging is supported per resource type (/Users/.search, /Groups/.search), not at the root")
		}
		start := max(sr.startIndex, 1)
		count := sr.count
		if count < 0 {
			count = s.cfg.DefaultPageSize
		}
		count = min(count, s.cfg.MaxResults)
		var resources []any
		total, unknown := 0, 0
		offset := start - 1
		for _, q := range []queryFunc{s.queryUsers, s.queryGroups} {
			part := sr
			part.startIndex = offset + 1
			part.count = count - len(resources)
			page, err := q(ctx, r, part)
			if errors.Is(err, errUnknownAttr) {
				unknown++
				continue
			}
			if err != nil {
				return nil, err
			}
			n := page.total
			total += n
			resources = append(resources, page.resources...)
			offset = max(0, offset-n)
		}
		if unknown == 2 {
			_, err := parseFilter(s.reg.User, sr.filter)
			return nil, err
		}
		return &listPage{resources: resources, total: total, startIndex: start}, nil
	})
}
