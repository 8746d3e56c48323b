"""A mapper that fails on one line (mrjob): its traceback must reach the user."""
from mrjob.job import MRJob


class MRFail(MRJob):
    def mapper(self, _, line):
        if 'zebra' in line:
            raise ValueError('zebra-launcher-boom on %r' % line)
        yield line, 1

    def reducer(self, k, vs):
        yield k, sum(vs)


if __name__ == '__main__':
    MRFail.run()
