//go:build noagg

package streaming

import (
	"context"

	"zebra/mapreduce"
)

type aggregateReducer struct{}
type aggregateCombiner struct{}

func (aggregateReducer) Reduce(ctx context.Context, t *mapreduce.TaskContext, in mapreduce.KVIterator, out mapreduce.Collector) error {
	return nil
}
func (aggregateCombiner) Reduce(ctx context.Context, t *mapreduce.TaskContext, in mapreduce.KVIterator, out mapreduce.Collector) error {
	return nil
}
