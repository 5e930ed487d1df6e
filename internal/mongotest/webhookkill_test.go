package mongotest_test

import (
	"testing"

	"github.com/featureflags/featureflags/internal/mongotest"
	"github.com/featureflags/featureflags/internal/webhook/webhooktest"
	"github.com/featureflags/featureflags/store/mongo"
)

// TestReplicaKilledMidDelivery is internal/webhook's test of the same name
// on MongoDB: two replicas on one database, the first stopped while its
// requests are in flight (see webhooktest.ReplicaKilledMidDelivery).
// Fewer events than the SQL stores' test: FerretDB on SQLite answers the
// claim's ordered queries by scanning, and 200 events take minutes.
func TestReplicaKilledMidDelivery(t *testing.T) {
	url := mongotest.Start(t)
	var a, b *mongo.Store
	for _, s := range []**mongo.Store{&a, &b} {
		st, err := mongo.Open(t.Context(), url)
		must(t, err)
		t.Cleanup(func() { st.Close() })
		*s = st
	}
	webhooktest.ReplicaKilledMidDelivery(t, a, b, 40, 8)
}
