"""One-step word count (mrjob)."""
import re

from mrjob.job import MRJob

WORD = re.compile(r"[\w']+")


class MRWordCount(MRJob):
    def mapper(self, _, line):
        for w in WORD.findall(line):
            yield w.lower(), 1

    def reducer(self, word, counts):
        yield word, sum(counts)


if __name__ == '__main__':
    MRWordCount.run()
