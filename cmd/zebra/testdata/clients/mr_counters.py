"""mapper_init/mapper_final, a combiner and custom counters (mrjob)."""
import re

from mrjob.job import MRJob

WORD = re.compile(r"[\w']+")


class MRCounters(MRJob):
    def mapper_init(self):
        self.seen = {}

    def mapper(self, _, line):
        self.increment_counter('zebra', 'lines', 1)
        for w in WORD.findall(line):
            self.seen[w.lower()] = self.seen.get(w.lower(), 0) + 1
            if len(w) > 4:
                self.increment_counter('zebra', 'long words', 1)

    def mapper_final(self):
        for w, n in self.seen.items():
            yield w, n

    def combiner(self, word, counts):
        self.increment_counter('zebra', 'combined', 1)
        yield word, sum(counts)

    def reducer(self, word, counts):
        yield word, sum(counts)


if __name__ == '__main__':
    MRCounters.run()
