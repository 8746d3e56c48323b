// Package archivetest makes tars for tests of what unpacks users' tars.
package archivetest

import (
	"archive/tar"
	"bytes"
	"fmt"
	"strconv"
)

// SparseMember returns the tar blocks of one GNU sparse file (PAX format
// 1.0) named name that archive/tar reads as size bytes of zeros while it
// holds no data: about 2 KiB, whatever size is. It is written by hand, as
// archive/tar no longer writes sparse files. Append members or the two
// zero end blocks (Tar) to make an archive.
func SparseMember(name string, size int64) []byte {
	var out bytes.Buffer
	pax := record("GNU.sparse.major", "1") + record("GNU.sparse.minor", "0") + record("GNU.sparse.name", name) +
		record("GNU.sparse.realsize", strconv.FormatInt(size, 10))
	out.Write(block("PaxHeaders/"+name, tar.TypeXHeader, int64(len(pax))))
	out.Write(pad([]byte(pax)))
	data := pad([]byte("1\n0\n0\n")) // the sparse map: one entry, no data
	out.Write(block("GNUSparseFile.0/"+name, tar.TypeReg, int64(len(data))))
	out.Write(data)
	return out.Bytes()
}

// Tar is a whole archive of the sparse member (see SparseMember).
func Tar(name string, size int64) []byte {
	return append(SparseMember(name, size), make([]byte, 1024)...)
}

// block is a ustar header block of mode 0644.
func block(name string, typ byte, n int64) []byte {
	b := make([]byte, 512)
	copy(b[0:], name)
	copy(b[100:], "0000644\x00")
	copy(b[108:], "0000000\x00")
	copy(b[116:], "0000000\x00")
	copy(b[124:], fmt.Sprintf("%011o\x00", n))
	copy(b[136:], "00000000000\x00")
	b[156] = typ
	copy(b[257:], "ustar\x0000")
	copy(b[148:], "        ")
	sum := 0
	for _, c := range b {
		sum += int(c)
	}
	copy(b[148:], fmt.Sprintf("%06o\x00 ", sum))
	return b
}

func pad(b []byte) []byte { return append(b, make([]byte, (512-len(b)%512)%512)...) }

// record is one PAX record: "LEN key=value\n", LEN counting itself.
func record(k, v string) string {
	s := " " + k + "=" + v + "\n"
	n := len(s)
	for l := 0; l != n; {
		l, n = n, len(strconv.Itoa(n))+len(s)
	}
	return strconv.Itoa(n) + s
}
