#!/usr/bin/env python3
"""The word count of examples/wordcount as an mrjob job, for bench/run.sh.

Same semantics as examples/wordcount's mapper.py and reducer.py: a count per
whitespace-separated word; output lines are "word<TAB>count", so the sorted
output is byte-identical to theirs. No combiner (the streaming job has none).
Run: python wordcount.py -r local [--jobconf mapreduce.job.reduces=N] INPUT
"""
from mrjob.job import MRJob
from mrjob.protocol import RawProtocol


class WordCount(MRJob):
    OUTPUT_PROTOCOL = RawProtocol

    def mapper(self, _, line):
        for word in line.split():
            yield word, 1

    def reducer(self, word, counts):
        yield word, str(sum(counts))


if __name__ == "__main__":
    WordCount.run()
