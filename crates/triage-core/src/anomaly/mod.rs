//! Streaming anomaly detection on metric series, and a scorer for the Numenta Anomaly
//! Benchmark (NAB).
