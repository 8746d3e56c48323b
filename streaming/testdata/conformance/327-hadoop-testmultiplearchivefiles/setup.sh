python3 - <<'PY'
import zipfile
with zipfile.ZipFile("cacheArchive1.zip", "w") as z:
    z.writestr("cacheArchive1", "HADOOP-4421 cache archive 1\n")
with zipfile.ZipFile("cacheArchive2.zip", "w") as z:
    z.writestr("cacheArchive2", "HADOOP-4421 cache archive 2\n")
PY
