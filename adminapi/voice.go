package adminapi

import (
	"net/http"

	"github.com/scimd/scimd/store"
)

// numberDoc is a number of the tenant's pool: E.164, toll-free flagged,
// with the user it is assigned to (null while parked unassigned).
type numberDoc struct {
	Number   string  `json:"number"`
	TollFree bool    `json:"tollFree"`
	UserID   *string `json:"userId"`
	Primary  bool    `json:"primary"`
}

func toNumberDoc(n store.Number) numberDoc {
	d := numberDoc{Number: n.Number, TollFree: n.TollFree, Primary: n.Primary}
	if n.UserID != "" {
		u := n.UserID
		d.UserID = &u
	}
	return d
}

func (a *API) listNumbers(w http.ResponseWriter, r *http.Request, s *session) error {
	ns, err := a.acct.Numbers(r.Context(), s.actor, s.tenant())
	if err != nil {
		return err
	}
	all := make([]numberDoc, len(ns))
	for i, n := range ns {
		all[i] = toNumberDoc(n)
	}
	l, err := page(r, all)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, l)
	return nil
}

// parkNumber is POST {"number":"1 (212) 555-0100"}: any format, the
// leading 1 of North American numbers included.
func (a *API) parkNumber(w http.ResponseWriter, r *http.Request, s *session) error {
	o, err := readObject(r, []string{"number"}, map[string]string{
		"tollFree": "it follows from the number", "userId": "numbers are assigned in a user's voice settings",
		"primary": "numbers are assigned in a user's voice settings"})
	if err != nil {
		return err
	}
	raw, err := o.required("number")
	if err != nil {
		return err
	}
	n, err := a.acct.ParkNumber(r.Context(), s.actor, s.tenant(), raw)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, toNumberDoc(n))
	return nil
}

// unparkNumber is DELETE /numbers/{number}, the number in E.164 (or any
// format ParkNumber takes).
func (a *API) unparkNumber(w http.ResponseWriter, r *http.Request, s *session) error {
	n := r.PathValue("number")
	if err := a.acct.UnparkNumber(r.Context(), s.actor, s.tenant(), n); err != nil {
		return notFoundAs(err, "number", n)
	}
	return noContent(w)
}

// locationDoc is a voice location; the default one ("Main Company
// Address") is what users get when their settings name none.
type locationDoc struct {
	ID      string `json:"id"`
	Name    string `json:"name"`
	Address string `json:"address"`
	Default bool   `json:"default"`
}

var locationReadOnly = map[string]string{"id": "ids are made by the server", "default": "the default location is made on first use"}

func (a *API) locations(r *http.Request, s *session) ([]store.Location, error) {
	return a.acct.Locations(r.Context(), s.actor, s.tenant())
}

// location finds one location of the session's tenant.
func (a *API) location(r *http.Request, s *session, id string) (store.Location, error) {
	ls, err := a.locations(r, s)
	if err != nil {
		return store.Location{}, err
	}
	for _, l := range ls {
		if l.ID == id {
			return l, nil
		}
	}
	return store.Location{}, notFound("location %q does not exist in this tenant", id)
}

func toLocationDoc(l store.Location) locationDoc {
	return locationDoc{ID: l.ID, Name: l.Name, Address: l.Address, Default: l.Default}
}

func (a *API) listLocations(w http.ResponseWriter, r *http.Request, s *session) error {
	ls, err := a.locations(r, s)
	if err != nil {
		return err
	}
	all := make([]locationDoc, len(ls))
	for i, l := range ls {
		all[i] = toLocationDoc(l)
	}
	l, err := page(r, all)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, l)
	return nil
}

func (a *API) respondLocation(w http.ResponseWriter, r *http.Request, s *session, status int, id string) error {
	l, err := a.location(r, s, id)
	if err != nil {
		return err
	}
	writeJSON(w, status, toLocationDoc(l))
	return nil
}

func (a *API) getLocation(w http.ResponseWriter, r *http.Request, s *session) error {
	return a.respondLocation(w, r, s, http.StatusOK, r.PathValue("id"))
}

func mergeLocation(o obj, l *store.Location) error {
	name, err := o.str("name")
	if err != nil {
		return err
	}
	if name.Set {
		l.Name = name.V
	}
	addr, err := o.str("address")
	if err != nil {
		return err
	}
	if addr.Set {
		l.Address = addr.V
	}
	return nil
}

func (a *API) createLocation(w http.ResponseWriter, r *http.Request, s *session) error {
	o, err := readObject(r, []string{"name", "address"}, locationReadOnly)
	if err != nil {
		return err
	}
	if _, err := o.required("name"); err != nil {
		return err
	}
	var l store.Location
	if err := mergeLocation(o, &l); err != nil {
		return err
	}
	created, err := a.acct.CreateLocation(r.Context(), s.actor, s.tenant(), l)
	if err != nil {
		return err
	}
	return a.respondLocation(w, r, s, http.StatusCreated, created.ID)
}

func (a *API) patchLocation(w http.ResponseWriter, r *http.Request, s *session) error {
	o, err := readObject(r, []string{"name", "address"}, locationReadOnly)
	if err != nil {
		return err
	}
	id := r.PathValue("id")
	l, err := a.location(r, s, id)
	if err != nil {
		return err
	}
	if err := mergeLocation(o, &l); err != nil {
		return err
	}
	if err := a.acct.UpdateLocation(r.Context(), s.actor, s.tenant(), l); err != nil {
		return notFoundAs(err, "location", id)
	}
	return a.respondLocation(w, r, s, http.StatusOK, id)
}

func (a *API) deleteLocation(w http.ResponseWriter, r *http.Request, s *session) error {
	id := r.PathValue("id")
	if err := a.acct.DeleteLocation(r.Context(), s.actor, s.tenant(), id); err != nil {
		return notFoundAs(err, "location", id)
	}
	return noContent(w)
}
