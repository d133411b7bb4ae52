"""Local fake servers speaking the real wire formats (Bilibili ``/sub`` and its HTTP API, the Douyin
bridge), for integration tests and benchmarks. They run on 127.0.0.1, port 0. No protocol mocks: the
code under test talks to them over real sockets exactly as it talks to the platform."""
