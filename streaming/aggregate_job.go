package streaming

import (
	"context"

	"zebra/mapreduce"
)

// aggregateReducer is ValueAggregatorReducer (-reducer aggregate).
type aggregateReducer struct{}

// aggregateCombiner is ValueAggregatorCombiner, which -reducer aggregate
// always installs.
type aggregateCombiner struct{}

func (aggregateReducer) Reduce(ctx context.Context, t *mapreduce.TaskContext, in mapreduce.KVIterator, out mapreduce.Collector) error {
	return aggregateGroups(in, func(key []byte, a *Aggregator) error {
		k, v := a.Report()
		return out.Collect(k, v)
	})
}

func (aggregateCombiner) Reduce(ctx context.Context, t *mapreduce.TaskContext, in mapreduce.KVIterator, out mapreduce.Collector) error {
	return aggregateGroups(in, func(key []byte, a *Aggregator) error {
		for _, v := range a.CombineOutput() {
			if err := out.Collect(key, v); err != nil {
				return err
			}
		}
		return nil
	})
}

// aggregateGroups feeds each group of in to a fresh Aggregator and hands it
// to emit when the group ends.
func aggregateGroups(in mapreduce.KVIterator, emit func(key []byte, a *Aggregator) error) error {
	var (
		agg *Aggregator
		key []byte
	)
	for in.Next() {
		if in.NewGroup() {
			if agg != nil {
				if err := emit(key, agg); err != nil {
					return err
				}
			}
			key = append(key[:0], in.Key()...)
			var err error
			if agg, err = NewAggregator(key); err != nil {
				return mapreduce.E("aggregate", mapreduce.UserCode, "", err)
			}
		}
		if err := agg.Add(in.Value()); err != nil {
			return mapreduce.E("aggregate", mapreduce.UserCode, "", err)
		}
	}
	if err := in.Err(); err != nil {
		return err
	}
	if agg != nil {
		return emit(key, agg)
	}
	return nil
}
