"""Two MRSteps (mrjob): count words, then the most frequent word per first letter."""
import re

from mrjob.job import MRJob
from mrjob.step import MRStep

WORD = re.compile(r"[\w']+")


class MRTwoStep(MRJob):
    def steps(self):
        return [
            MRStep(mapper=self.words, reducer=self.count),
            MRStep(mapper=self.by_letter, reducer=self.most_frequent),
        ]

    def words(self, _, line):
        for w in WORD.findall(line):
            yield w.lower(), 1

    def count(self, word, counts):
        yield word, sum(counts)

    def by_letter(self, word, n):
        yield word[0], (n, word)

    def most_frequent(self, letter, pairs):
        yield letter, max(pairs)


if __name__ == '__main__':
    MRTwoStep.run()
