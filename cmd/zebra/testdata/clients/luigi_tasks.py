"""luigi.contrib.hadoop JobTasks for the launcher tests. mode=hadoop runs
them through the hadoop launcher on PATH (HdfsTargets, luigi's default
Hadoop job runner); mode=local runs the same tasks with luigi's own
LocalJobRunner over local files, the reference."""
import re

import luigi
import luigi.contrib.hadoop
import luigi.contrib.hdfs

WORD = re.compile(r"[\w']+")


def target(mode, path):
    if mode == 'hadoop':
        return luigi.contrib.hdfs.HdfsTarget(path)
    return luigi.LocalTarget(path)


class Input(luigi.ExternalTask):
    mode = luigi.Parameter()
    path = luigi.Parameter()

    def output(self):
        return target(self.mode, self.path)


class Job(luigi.contrib.hadoop.JobTask):
    mode = luigi.Parameter()
    src = luigi.Parameter()
    dst = luigi.Parameter()
    n_reduce_tasks = 1

    def requires(self):
        return Input(mode=self.mode, path=self.src)

    def output(self):
        return target(self.mode, self.dst)

    def job_runner(self):
        if self.mode == 'local':
            return luigi.contrib.hadoop.LocalJobRunner()
        return super().job_runner()


class WordCount(Job):
    def mapper(self, line):
        for w in WORD.findall(line):
            yield w.lower(), 1

    def reducer(self, word, counts):
        yield word, sum(counts)


class TopByLetter(Job):
    """The second step of a two-step flow: it reads WordCount's output."""

    def requires(self):
        return WordCount(mode=self.mode, src=self.src, dst=self.dst + '.counts')

    def mapper(self, line):
        word, n = line.rstrip('\n').split('\t')
        yield word[0], '%06d %s' % (int(n), word)

    def reducer(self, letter, pairs):
        yield letter, max(pairs)


class Counters(Job):
    def init_mapper(self):
        self.seen = {}

    def mapper(self, line):
        self.incr_counter('zebra', 'lines', 1)
        for w in WORD.findall(line):
            self.seen[w.lower()] = self.seen.get(w.lower(), 0) + 1
            if len(w) > 4:
                self.incr_counter('zebra', 'long words', 1)
        return []

    def final_mapper(self):
        for w, n in sorted(self.seen.items()):
            yield w, n

    def combiner(self, word, counts):
        self.incr_counter('zebra', 'combined', 1)
        yield word, sum(counts)

    def reducer(self, word, counts):
        yield word, sum(counts)


class Fail(Job):
    def mapper(self, line):
        if 'zebra' in line:
            raise ValueError('zebra-launcher-boom on %r' % line)
        yield line, 1

    def reducer(self, k, vs):
        yield k, sum(vs)
