package scim

import (
	"net/http"
	"strings"

	"github.com/scimd/scimd/mapping"
)

const (
	listResponseSchema = "urn:ietf:params:scim:api:messages:2.0:ListResponse"
	spcSchema          = "urn:ietf:params:scim:schemas:core:2.0:ServiceProviderConfig"
	resourceTypeSchema = "urn:ietf:params:scim:schemas:core:2.0:ResourceType"
)

// baseURL is the absolute SCIM base URL as the client reached it, for
// meta.location and $ref.
func baseURL(r *http.Request) string {
	o := originOf(r)
	return o.scheme + "://" + o.host + BasePath
}

// serviceProviderConfig tells the truth about every feature (RFC 7643 §5):
// the conformance suite tests what is claimed here.
func (s *Server) serviceProviderConfig(w http.ResponseWriter, r *http.Request) {
	base := baseURL(r)
	writeJSON(w, http.StatusOK, map[string]any{
		"schemas":          []string{spcSchema},
		"documentationUri": "https://github.com/scimd/scimd#readme",
		"patch":            map[string]any{"supported": true},
		"bulk":             map[string]any{"supported": true, "maxOperations": s.cfg.MaxBulkOperations, "maxPayloadSize": s.cfg.MaxBodyBytes},
		"filter":           map[string]any{"supported": true, "maxResults": s.cfg.MaxResults},
		"changePassword":   map[string]any{"supported": true},
		"sort":             map[string]any{"supported": true},
		"etag":             map[string]any{"supported": true},
		// RFC 9865 §4.
		"pagination": map[string]any{
			"cursor":                  true,
			"index":                   true,
			"defaultPaginationMethod": "index",
			"defaultPageSize":         s.cfg.DefaultPageSize,
			"maxPageSize":             s.cfg.MaxResults,
			"cursorTimeout":           int(s.cfg.CursorTimeout.Seconds()),
		},
		"authenticationSchemes": []any{map[string]any{
			"type":        "oauthbearertoken",
			"name":        "Bearer token",
			"description": "A per-connection bearer token created with `scimd token create`.",
			"specUri":     "https://www.rfc-editor.org/info/rfc6750",
			"primary":     true,
		}},
		"meta": map[string]any{
			"resourceType": "ServiceProviderConfig",
			"location":     base + "/ServiceProviderConfig",
		},
	})
}

func schemaDoc(sc *mapping.Schema, base string) map[string]any {
	doc := sc.Def.ToMap()
	doc["meta"] = map[string]any{"resourceType": "Schema", "location": base + "/Schemas/" + sc.ID}
	return doc
}

func (s *Server) listSchemas(w http.ResponseWriter, r *http.Request) {
	base := baseURL(r)
	var res []any
	for _, sc := range s.reg.Schemas {
		res = append(res, schemaDoc(sc, base))
	}
	writeJSON(w, http.StatusOK, listDoc(res, len(res), 1))
}

func (s *Server) getSchema(w http.ResponseWriter, r *http.Request) {
	sc := s.reg.Schema(r.PathValue("id"))
	if sc == nil {
		writeError(w, r, notFound("no schema %q: see %s/Schemas", r.PathValue("id"), BasePath))
		return
	}
	writeJSON(w, http.StatusOK, schemaDoc(sc, baseURL(r)))
}

func resourceTypeDoc(rt *mapping.ResourceType, base string) map[string]any {
	exts := []any{}
	for _, e := range rt.Extensions {
		exts = append(exts, map[string]any{"schema": e.ID, "required": false})
	}
	return map[string]any{
		"schemas":          []string{resourceTypeSchema},
		"id":               rt.Name,
		"name":             rt.Name,
		"description":      rt.Description,
		"endpoint":         rt.Endpoint,
		"schema":           rt.Schema.ID,
		"schemaExtensions": exts,
		"meta":             map[string]any{"resourceType": "ResourceType", "location": base + "/ResourceTypes/" + rt.Name},
	}
}

func (s *Server) listResourceTypes(w http.ResponseWriter, r *http.Request) {
	base := baseURL(r)
	var res []any
	for _, rt := range s.reg.ResourceTypes() {
		res = append(res, resourceTypeDoc(rt, base))
	}
	writeJSON(w, http.StatusOK, listDoc(res, len(res), 1))
}

func (s *Server) getResourceType(w http.ResponseWriter, r *http.Request) {
	for _, rt := range s.reg.ResourceTypes() {
		if strings.EqualFold(rt.Name, r.PathValue("id")) {
			writeJSON(w, http.StatusOK, resourceTypeDoc(rt, baseURL(r)))
			return
		}
	}
	writeError(w, r, notFound("no resource type %q: see %s/ResourceTypes", r.PathValue("id"), BasePath))
}

// listDoc is a ListResponse (RFC 7644 §3.4.2).
func listDoc(resources []any, total, startIndex int) map[string]any {
	if resources == nil {
		resources = []any{}
	}
	return map[string]any{
		"schemas":      []string{listResponseSchema},
		"totalResults": total,
		"itemsPerPage": len(resources),
		"startIndex":   startIndex,
		"Resources":    resources,
	}
}
