package dev.ward.bench;

import dev.ward.server.metrics.WardMetrics;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Threads;
import org.openjdk.jmh.annotations.Warmup;

/**
 * What /metrics adds to a validation (issue 16 item 1: "a histogram for validation latency that costs the hot path
 * nothing measurable"): {@link WardMetrics#validation} — the histogram's bucket, count and sum, and the outcome's
 * counter — on two threads at once, as two Jetty threads record. Run it beside {@link ValidateBenchmark} (bench/
 * metrics-cost.sh) to read it as a fraction of one validation.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 2, time = 3)
@Measurement(iterations = 3, time = 3)
@Fork(1)
@Threads(2)
public class MetricsBenchmark {
    /** Nothing is scraped here, so the stores and limits behind the gauges are never asked. */
    private final WardMetrics metrics = new WardMetrics(new WardMetrics.Population() {
        @Override
        public Optional<Map<String, Long>> liveSessions(Set<String> tenants) { return Optional.empty(); }

        @Override
        public Optional<Map<String, Long>> livePatientContexts() { return Optional.empty(); }
    }, Set::of, Map::of, null);

    private long nanos = 1;

    @Benchmark
    public void recordValidation() {
        // A spread of latencies, so the histogram's buckets are searched as under load.
        nanos = nanos * 6364136223846793005L + 1442695040888963407L;
        metrics.validation("valid", 200_000 + (nanos >>> 44));
    }
}
