package mongo

import (
	"context"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"
)

// findAll runs a query on coll and decodes every document it returns.
func findAll[D, T any](ctx context.Context, coll *mongo.Collection, filter any, decode func(*D) (T, error), opts ...options.Lister[options.FindOptions]) ([]T, error) {
	cur, err := coll.Find(ctx, filter, opts...)
	if err != nil {
		return nil, translate(err)
	}
	var docs []*D
	if err := cur.All(ctx, &docs); err != nil {
		return nil, translate(err)
	}
	out := make([]T, 0, len(docs))
	for _, d := range docs {
		v, err := decode(d)
		if err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, nil
}

// findByIDOrName returns the document whose _id, or else whose name, is
// idOrName, or nil when there is none: an id wins over a name equal to it.
func findByIDOrName[D any](ctx context.Context, coll *mongo.Collection, idOrName string, id func(*D) string) (*D, error) {
	cur, err := coll.Find(ctx, byIDOrName(idOrName), options.Find().SetLimit(2))
	if err != nil {
		return nil, translate(err)
	}
	var docs []*D
	if err := cur.All(ctx, &docs); err != nil {
		return nil, translate(err)
	}
	if len(docs) == 0 {
		return nil, nil
	}
	if len(docs) > 1 && id(docs[1]) == idOrName {
		return docs[1], nil
	}
	return docs[0], nil
}

// findInto decodes every document of coll into out, a pointer to a slice.
func findInto(ctx context.Context, coll *mongo.Collection, out any) error {
	cur, err := coll.Find(ctx, bson.D{})
	if err != nil {
		return translate(err)
	}
	return translate(cur.All(ctx, out))
}
