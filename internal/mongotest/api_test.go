package mongotest_test

import (
	"testing"

	ff "github.com/featureflags/featureflags"
	"github.com/featureflags/featureflags/internal/mongotest"
	"github.com/featureflags/featureflags/internal/server/apitest"
	"github.com/featureflags/featureflags/store/mongo"
)

// TestAPIOnMongo runs the HTTP API suite on the MongoDB store, each case on
// a fresh embedded FerretDB.
func TestAPIOnMongo(t *testing.T) {
	apitest.Run(t, func(t *testing.T) ff.Store {
		s, err := mongo.Open(t.Context(), mongotest.Start(t))
		if err != nil {
			t.Fatal(err)
		}
		return s
	})
}
