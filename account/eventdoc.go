package account

import (
	"encoding/json"
	"time"

	"github.com/scimd/scimd/store"
)

// EventDoc is an event as the events API lists it and a webhook delivers
// it.
type EventDoc struct {
	ID         string          `json:"id"`
	Type       string          `json:"type"`
	Sequence   int64           `json:"sequence"`
	Time       string          `json:"time"`
	Actor      EventActor      `json:"actor"`
	ResourceID string          `json:"resourceId"`
	Data       json.RawMessage `json:"data"`
}

// EventActor is who made the change.
type EventActor struct {
	Kind string `json:"kind"`
	ID   string `json:"id"`
	Name string `json:"name"`
}

// EventDocOf is the document of an event.
func EventDocOf(e store.Event) EventDoc {
	data := json.RawMessage(e.Data)
	if !json.Valid(data) {
		data = json.RawMessage("{}")
	}
	return EventDoc{ID: e.ID, Type: e.Type, Sequence: e.Sequence, Time: e.At.UTC().Format(time.RFC3339Nano),
		Actor: EventActor{Kind: e.ActorKind, ID: e.ActorID, Name: e.ActorName}, ResourceID: e.ResourceID, Data: data}
}
