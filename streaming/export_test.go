package streaming

// For TestMain (package streaming_test), which makes the test binary the
// child of BenchmarkStdoutReader and TestStdoutPipeBytes.
const SmallWritesEnv = smallWritesEnv

var SmallWrites = smallWrites
