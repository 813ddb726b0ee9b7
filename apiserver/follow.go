package apiserver

import (
	"context"
	"time"

	"github.com/sheetops/sheetops/apiserver/storage"
)

// followStore follows the store's resource until ctx ends: after each watch starts it
// calls onWatch (when not nil; to look at what is there now), then handle with every batch
// of events. When a watch ends (its history expired, say), it watches again 100 ms later
// with opts() (an Initial watch replays the objects). It returns when the store shuts down.
func (s *Server) followStore(ctx context.Context, resource string, opts func() storage.WatchOptions, onWatch func(), handle func([]storage.Event)) {
	for ctx.Err() == nil {
		w, err := s.store.Watch(resource, opts())
		if err != nil {
			return // the store is shutting down
		}
		if onWatch != nil {
			onWatch()
		}
		for {
			events, ok := w.Next(ctx.Done())
			if !ok || ctx.Err() != nil {
				break
			}
			if len(events) > 0 {
				handle(events)
			}
		}
		w.Stop()
		select {
		case <-ctx.Done():
		case <-time.After(100 * time.Millisecond):
		}
	}
}

// eachEvent makes a followStore handler of a handler of one event.
func eachEvent(handle func(storage.Event)) func([]storage.Event) {
	return func(events []storage.Event) {
		for _, ev := range events {
			handle(ev)
		}
	}
}

// fromNow is the options of a watch from the store's current revision.
func (s *Server) fromNow() storage.WatchOptions {
	return storage.WatchOptions{Since: s.store.Revision()}
}

// initial is the options of a watch that first replays every object.
func initial() storage.WatchOptions { return storage.WatchOptions{Initial: true} }
