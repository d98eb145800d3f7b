package dev.ward.store.sql;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.ward.audit.AuditChain;
import dev.ward.audit.AuditCheckpoints;
import dev.ward.audit.AuditEntry;
import dev.ward.audit.AuditEvent;
import dev.ward.audit.AuditRetention;
import dev.ward.audit.AuditVerifier;
import dev.ward.audit.Checkpoint;
import dev.ward.audit.CheckpointKeys;
import java.nio.charset.StandardCharsets;
import java.security.KeyFactory;
import java.security.KeyPairGenerator;
import java.security.PublicKey;
import java.security.Signature;
import java.security.spec.X509EncodedKeySpec;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Verification finds every kind of tampering done directly in the database, at the right position (issue 11, items
 * 2, 3 and 8): rows edited, inserted, deleted, reordered, the tail cut off (seen only through a signed checkpoint), the
 * whole chain rewritten after a checkpoint, checkpoints forged; retention prunes and the rest still verifies.
 */
class AuditVerifyTest {
    private static final String T = "hosp";
    private final List<StoreFixture> fixtures = new ArrayList<>();

    /** One node's audit services over a fixture's stores. */
    private record Node(StoreFixture f, CheckpointKeys keys, AuditVerifier verifier, AuditCheckpoints checkpoints,
                        AuditRetention retention) {
        static Node over(StoreFixture f) {
            SqlAuditChainStore chain = new SqlAuditChainStore(f.db);
            CheckpointKeys keys = new CheckpointKeys(new SqlCheckpointKeyStore(f.db), f.masterCipher, f.guard, f.audit, f.clock);
            return new Node(f, keys, new AuditVerifier(chain, keys, f.tenants, f.guard, f.audit),
                    new AuditCheckpoints(chain, keys, f.tenants, f.guard, f.audit, f.clock),
                    new AuditRetention(chain, keys, f.tenants, f.audit, f.clock));
        }

        AuditVerifier.Result verify() { return verifier.verify(StoreFixture.OPERATOR, T, n -> { }); }

        Checkpoint checkpoint() { return checkpoints.take(StoreFixture.OPERATOR, T).orElseThrow(); }

        void events(int n) {
            for (int i = 0; i < n; i++) {
                f.audit.append(AuditEntry.of(T, "test.event").user("usr_" + i).detail("i", i).build());
            }
        }

        long head() { return f.db.call(h -> h.createQuery("SELECT seq FROM audit_heads WHERE tenant_id = :t").bind("t", T).mapTo(Long.class).one()); }

        String hashAt(long seq) {
            return f.db.call(h -> h.createQuery("SELECT hash FROM audit_events WHERE tenant_id = :t AND chain_seq = :s")
                    .bind("t", T).bind("s", seq).mapTo(String.class).one());
        }

        void sql(String statement, Object... args) {
            f.db.run(h -> {
                var u = h.createUpdate(statement);
                for (int i = 0; i < args.length; i++) {
                    u.bind(i, args[i]);
                }
                u.execute();
            });
        }
    }

    private Node node(Backend backend) {
        assumeTrue(backend.unavailable().isEmpty(), () -> backend + " unavailable");
        StoreFixture f = new StoreFixture(backend, "verify");
        fixtures.add(f);
        f.tenant(T);
        Node node = Node.over(f);
        node.events(40);
        return node;
    }

    @AfterEach
    void close() {
        fixtures.reversed().forEach(StoreFixture::close);
    }

    /** Details as read back hold small numbers as Integer: compared as longs here. */
    private static Map<String, Object> numbersAsLongs(Map<String, Object> details) {
        Map<String, Object> out = new java.util.LinkedHashMap<>();
        details.forEach((k, v) -> out.put(k, v instanceof Integer i ? (Object) i.longValue() : v));
        return out;
    }

    private static void assertBad(AuditVerifier.Result r, long seq, String reason) {
        assertThat(r.ok()).as("%s", r).isFalse();
        assertThat(r.reason()).as("%s", r).isEqualTo(reason);
        assertThat(r.firstBadSeq()).as("%s", r).isEqualTo(seq);
    }

    @ParameterizedTest
    @EnumSource(value = Backend.class, names = {"H2", "POSTGRES"})
    void anUntouchedChainVerifiesAndTheOutcomeIsRecorded(Backend backend) {
        Node n = node(backend);
        n.checkpoint();
        n.events(3);
        long head = n.head();
        AuditVerifier.Result r = n.verify();
        assertThat(r.ok()).as("%s", r).isTrue();
        assertThat(r.checked()).isEqualTo(head);
        assertThat(r.headSeq()).isEqualTo(head);
        assertThat(r.headHash()).isEqualTo(n.hashAt(head));
        assertThat(r.checkpoints()).isEqualTo(1);
        AuditEvent recorded = n.f.audit.recent(T, "audit.verified", 1).getFirst();
        assertThat(recorded.outcome()).isEqualTo("success");
        assertThat(numbersAsLongs(recorded.details())).containsEntry("head_seq", head).containsEntry("checked", head);
        // Verifying what verification recorded still passes: the record is an event like any other.
        assertThat(n.verify().ok()).isTrue();
    }

    @ParameterizedTest
    @EnumSource(value = Backend.class, names = {"H2", "POSTGRES"})
    void anEditedFieldIsFoundAtItsEvent(Backend backend) {
        Node n = node(backend);
        n.sql("UPDATE audit_events SET outcome = 'failure' WHERE tenant_id = ? AND chain_seq = ?", T, 17L);
        assertBad(n.verify(), 17, "hash_mismatch");
        AuditEvent recorded = n.f.audit.recent(T, "audit.verified", 1).getFirst();
        assertThat(recorded.outcome()).isEqualTo("failure");
        assertThat(numbersAsLongs(recorded.details())).containsEntry("first_bad_seq", 17L).containsEntry("reason", "hash_mismatch");
    }

    @ParameterizedTest
    @EnumSource(value = Backend.class, names = {"H2", "POSTGRES"})
    void editedDetailsAndTimesAreFound(Backend backend) {
        Node n = node(backend);
        n.sql("UPDATE audit_events SET details = '{\"i\":999}' WHERE tenant_id = ? AND chain_seq = ?", T, 30L);
        n.sql("UPDATE audit_events SET at = at + INTERVAL '1' SECOND WHERE tenant_id = ? AND chain_seq = ?", T, 25L);
        assertBad(n.verify(), 25, "hash_mismatch");
    }

    @ParameterizedTest
    @EnumSource(value = Backend.class, names = {"H2", "POSTGRES"})
    void aDeletedEventIsAGapAtItsPosition(Backend backend) {
        Node n = node(backend);
        n.sql("DELETE FROM audit_events WHERE tenant_id = ? AND chain_seq = ?", T, 12L);
        assertBad(n.verify(), 12, "gap");
    }

    @ParameterizedTest
    @EnumSource(value = Backend.class, names = {"H2", "POSTGRES"})
    void swappedEventsAreFoundAtTheFirst(Backend backend) {
        Node n = node(backend);
        n.sql("UPDATE audit_events SET chain_seq = -1 WHERE tenant_id = ? AND chain_seq = ?", T, 20L);
        n.sql("UPDATE audit_events SET chain_seq = 20 WHERE tenant_id = ? AND chain_seq = ?", T, 21L);
        n.sql("UPDATE audit_events SET chain_seq = 21 WHERE tenant_id = ? AND chain_seq = ?", T, -1L);
        assertBad(n.verify(), 20, "broken_link");
    }

    /** An event inserted with a correct hash and the later ones renumbered: the next one no longer links to it. */
    @ParameterizedTest
    @EnumSource(value = Backend.class, names = {"H2", "POSTGRES"})
    void anInsertedEventIsFoundWhereTheChainBreaks(Backend backend) {
        Node n = node(backend);
        long k = 15;
        n.sql("UPDATE audit_events SET chain_seq = chain_seq + 1000000 WHERE tenant_id = ? AND chain_seq >= ?", T, k);
        n.sql("UPDATE audit_events SET chain_seq = chain_seq - 1000000 + 1 WHERE tenant_id = ? AND chain_seq >= 1000000", T);
        insertChained(n, k, n.hashAt(k - 1));
        assertBad(n.verify(), k + 1, "broken_link");
    }

    @ParameterizedTest
    @EnumSource(value = Backend.class, names = {"H2", "POSTGRES"})
    void anEventAppendedPastTheHeadIsFound(Backend backend) {
        Node n = node(backend);
        long head = n.head();
        insertChained(n, head + 1, n.hashAt(head));
        assertBad(n.verify(), head + 1, "head_mismatch");
    }

    /** A forged event, hashed correctly onto {@code prev}, at position {@code seq}. */
    private static void insertChained(Node n, long seq, String prev) {
        Instant at = n.f.clock.instant().truncatedTo(java.time.temporal.ChronoUnit.MILLIS);
        String details = "{\"forged\":true}";
        String hash = AuditChain.hash(prev, T, seq, at, "test.event", "success", null, "usr_x", null, null, null, details);
        n.sql("INSERT INTO audit_events (chain_seq, at, tenant_id, type, outcome, user_id, details, prev_hash, hash) "
                + "VALUES (?, ?, ?, 'test.event', 'success', 'usr_x', ?, ?, ?)", seq, Columns.timestamp(at), T, details, prev, hash);
    }

    @ParameterizedTest
    @EnumSource(value = Backend.class, names = {"H2", "POSTGRES"})
    void aTailCutOffWithItsHeadIsFoundOnlyThroughTheCheckpoint(Backend backend) {
        Node n = node(backend);
        Checkpoint c = n.checkpoint();
        n.events(5);
        long end = c.seq() - 3;
        n.sql("DELETE FROM audit_events WHERE tenant_id = ? AND chain_seq > ?", T, end);
        n.sql("UPDATE audit_heads SET seq = ?, hash = ? WHERE tenant_id = ?", end, n.hashAt(end), T);
        n.sql("DELETE FROM audit_checkpoints WHERE tenant_id = ? AND seq > ?", T, c.seq()); // nothing else to lean on
        assertBad(n.verify(), end + 1, "truncated");
        // Without the checkpoint the cut would pass: that is what the checkpoint (and its copy off the box) is for.
        n.sql("DELETE FROM audit_checkpoints WHERE tenant_id = ?", T);
        assertThat(n.verify().ok()).isTrue();
    }

    @ParameterizedTest
    @EnumSource(value = Backend.class, names = {"H2", "POSTGRES"})
    void aTailCutOffBelowTheHeadIsTruncated(Backend backend) {
        Node n = node(backend);
        long head = n.head();
        n.sql("DELETE FROM audit_events WHERE tenant_id = ? AND chain_seq > ?", T, head - 4);
        assertBad(n.verify(), head - 3, "truncated");
    }

    @ParameterizedTest
    @EnumSource(value = Backend.class, names = {"H2", "POSTGRES"})
    void aChainRewrittenAfterACheckpointIsFoundAtTheCheckpoint(Backend backend) {
        Node n = node(backend);
        Checkpoint c = n.checkpoint();
        n.events(4);
        // The attacker edits an event and recomputes every hash after it, and the head: the chain alone looks fine.
        n.sql("UPDATE audit_events SET outcome = 'failure' WHERE tenant_id = ? AND chain_seq = ?", T, 10L);
        String prev = n.hashAt(9);
        for (long s = 10; s <= n.head(); s++) {
            long seq = s;
            var link = n.f.db.call(h -> h.createQuery("SELECT * FROM audit_events WHERE tenant_id = :t AND chain_seq = :s")
                    .bind("t", T).bind("s", seq).map((rs, ctx) -> SqlAuditStore.event(rs)).one());
            String details = n.f.db.call(h -> h.createQuery("SELECT details FROM audit_events WHERE tenant_id = :t AND chain_seq = :s")
                    .bind("t", T).bind("s", seq).mapTo(String.class).one());
            String hash = AuditChain.hash(prev, T, seq, link.at(), link.type(), link.outcome(), link.actor(), link.userId(),
                    link.sessionId(), link.patientId(), link.ip(), details);
            n.sql("UPDATE audit_events SET prev_hash = ?, hash = ? WHERE tenant_id = ? AND chain_seq = ?", prev, hash, T, seq);
            prev = hash;
        }
        n.sql("UPDATE audit_heads SET hash = ? WHERE tenant_id = ?", prev, T);
        assertBad(n.verify(), c.seq(), "checkpoint_mismatch");
    }

    @ParameterizedTest
    @EnumSource(value = Backend.class, names = {"H2", "POSTGRES"})
    void aForgedCheckpointSignatureIsFound(Backend backend) {
        Node n = node(backend);
        Checkpoint c = n.checkpoint();
        n.events(2);
        char last = c.signature().charAt(127);
        String forged = c.signature().substring(0, 127) + (last == '0' ? '1' : '0');
        n.sql("UPDATE audit_checkpoints SET signature = ? WHERE tenant_id = ? AND seq = ?", forged, T, c.seq());
        assertBad(n.verify(), c.seq(), "bad_signature");
    }

    /** A key written into the database by someone without the master key signs nothing Ward believes. */
    @ParameterizedTest
    @EnumSource(value = Backend.class, names = {"H2", "POSTGRES"})
    void aCheckpointSignedWithAKeyWardDidNotMakeIsFound(Backend backend) throws Exception {
        Node n = node(backend);
        var pair = KeyPairGenerator.getInstance("Ed25519").generateKeyPair();
        byte[] der = pair.getPublic().getEncoded();
        String x = Base64.getUrlEncoder().withoutPadding().encodeToString(java.util.Arrays.copyOfRange(der, der.length - 32, der.length));
        n.sql("INSERT INTO audit_signing_keys (kid, public_jwk, sealed_private_jwk, created_at) VALUES ('ack_evil', ?, 'garbage', 0)",
                "{\"kty\":\"OKP\",\"crv\":\"Ed25519\",\"kid\":\"ack_evil\",\"x\":\"" + x + "\"}");
        long seq = 30;
        Instant at = n.f.clock.instant();
        Signature s = Signature.getInstance("Ed25519");
        s.initSign(pair.getPrivate());
        s.update(Checkpoint.signedBytes(T, seq, n.hashAt(seq), at));
        n.sql("INSERT INTO audit_checkpoints (tenant_id, seq, hash, at, kind, key_id, signature) VALUES (?, ?, ?, ?, 'periodic', 'ack_evil', ?)",
                T, seq, n.hashAt(seq), at.toEpochMilli(), HexFormat.of().formatHex(s.sign()));
        assertBad(n.verify(), seq, "unknown_key");
    }

    /** What docs/operations.md tells an outside verifier to do: rebuild the text, check it with the listed public key. */
    @ParameterizedTest
    @EnumSource(value = Backend.class, names = {"H2", "POSTGRES"})
    void aListedCheckpointVerifiesWithTheListedPemAloneAcrossKeyRotation(Backend backend) throws Exception {
        Node n = node(backend);
        Checkpoint before = n.checkpoint();
        String newKey = n.keys.rotate(StoreFixture.OPERATOR);
        n.events(2);
        Checkpoint after = n.checkpoint();
        assertThat(after.keyId()).isEqualTo(newKey).isNotEqualTo(before.keyId());
        Map<String, Object> listing = n.checkpoints.list(StoreFixture.OPERATOR, T, 10);
        @SuppressWarnings("unchecked")
        List<Map<String, Object>> keys = (List<Map<String, Object>>) listing.get("keys");
        assertThat(keys).hasSize(2);
        for (Checkpoint c : List.of(before, after)) {
            String pem = (String) keys.stream().filter(k -> k.get("key_id").equals(c.keyId())).findFirst().orElseThrow().get("public_key_pem");
            PublicKey key = KeyFactory.getInstance("Ed25519").generatePublic(new X509EncodedKeySpec(Base64.getMimeDecoder()
                    .decode(pem.replace("-----BEGIN PUBLIC KEY-----", "").replace("-----END PUBLIC KEY-----", "").strip())));
            String text = String.join("\n", "ward-audit-checkpoint-v1", T, Long.toString(c.seq()), c.hash(),
                    java.time.format.DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss.SSS'Z'").withZone(java.time.ZoneOffset.UTC).format(c.at()));
            Signature s = Signature.getInstance("Ed25519");
            s.initVerify(key);
            s.update(text.getBytes(StandardCharsets.UTF_8));
            assertThat(s.verify(HexFormat.of().parseHex(c.signature()))).as("checkpoint at %d", c.seq()).isTrue();
        }
        assertThat(n.verify().ok()).isTrue();
        assertThat(numbersAsLongs(n.f.audit.recent(T, "audit.checkpoint", 1).getFirst().details()))
                .containsEntry("seq", after.seq()).containsEntry("key_id", newKey).containsEntry("kind", "on_demand");
    }

    @ParameterizedTest
    @EnumSource(value = Backend.class, names = {"H2", "POSTGRES"})
    void theScheduleSignsAMovedChainOnceEveryIntervalAcrossTwoNodes(Backend backend) throws Exception {
        Node a = node(backend);
        Node b = Node.over(new StoreFixture(a.f));
        a.f.tenants.updatePolicy(StoreFixture.OPERATOR, T, Map.of("audit", Map.of("checkpoint_seconds", 60)));
        assertThat(both(a, b)).isEqualTo(1);
        assertThat(both(a, b)).as("not due yet").isZero();
        a.f.clock.advance(Duration.ofSeconds(61));
        b.f.clock.advance(Duration.ofSeconds(61));
        // Only the checkpoint's own event since: the chain did not move.
        assertThat(both(a, b)).as("nothing new to sign").isZero();
        a.events(1);
        assertThat(both(a, b)).isEqualTo(1);
        long checkpoints = a.f.db.call(h -> h.createQuery("SELECT COUNT(*) FROM audit_checkpoints WHERE tenant_id = :t AND kind = 'periodic'")
                .bind("t", T).mapTo(Long.class).one());
        assertThat(checkpoints).isEqualTo(2);
        assertThat(a.verify().ok()).isTrue();
    }

    /** Both nodes' schedules at once; answers how many checkpoints of tenant T they took together. */
    private static int both(Node a, Node b) throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(2);
        try {
            CountDownLatch go = new CountDownLatch(1);
            List<Future<Integer>> runs = new ArrayList<>();
            for (Node n : List.of(a, b)) {
                runs.add(pool.submit(() -> {
                    go.await();
                    long before = count(n);
                    n.checkpoints.takeDue();
                    return (int) (count(n) - before);
                }));
            }
            long before = count(a);
            go.countDown();
            for (Future<Integer> f : runs) {
                f.get();
            }
            return (int) (count(a) - before);
        } finally {
            pool.shutdown();
        }
    }

    private static long count(Node n) {
        return n.f.db.call(h -> h.createQuery("SELECT COUNT(*) FROM audit_checkpoints WHERE tenant_id = :t").bind("t", T)
                .mapTo(Long.class).one());
    }

    @ParameterizedTest
    @EnumSource(value = Backend.class, names = {"H2", "POSTGRES"})
    void retentionPrunesTheStartLeavesASignedStartAndTheRestVerifies(Backend backend) {
        Node n = node(backend);
        long old = n.head();
        n.f.tenants.updatePolicy(StoreFixture.OPERATOR, T, Map.of("audit", Map.of("retention_days", 30)));
        long policyEvent = n.head();
        n.f.clock.advance(Duration.ofDays(20));
        n.events(10);
        assertThat(n.retention.pruneDue()).as("nothing is 30 days old yet").isZero();
        n.f.clock.advance(Duration.ofDays(15));
        // Everything before the 20-day jump is now 35 days old: through the policy change.
        assertThat(n.retention.prune(T)).isEqualTo(policyEvent);
        long min = n.f.db.call(h -> h.createQuery("SELECT MIN(chain_seq) FROM audit_events WHERE tenant_id = :t").bind("t", T)
                .mapTo(Long.class).one());
        assertThat(min).isEqualTo(policyEvent + 1);
        var head = new SqlAuditChainStore(n.f.db).head(T).orElseThrow();
        assertThat(head.firstSeq()).isEqualTo(policyEvent);
        Checkpoint start = new SqlAuditChainStore(n.f.db).checkpointsAfter(T, policyEvent - 1, 5).getFirst();
        assertThat(start.kind()).isEqualTo("pruned");
        assertThat(start.hash()).isEqualTo(head.firstPrev());
        AuditEvent pruned = n.f.audit.recent(T, "audit.pruned", 1).getFirst();
        assertThat(numbersAsLongs(pruned.details())).containsEntry("count", policyEvent).containsEntry("first_seq", policyEvent + 1)
                .containsEntry("retention_days", 30L);
        AuditVerifier.Result r = n.verify();
        assertThat(r.ok()).as("%s", r).isTrue();
        assertThat(r.checked()).isEqualTo(n.head() - 1 - policyEvent); // the verified event came after
        assertThat(old).isLessThan(policyEvent);

        // The new start is only believed with its signed checkpoint.
        n.sql("UPDATE audit_checkpoints SET hash = ? WHERE tenant_id = ? AND kind = 'pruned'", AuditChain.GENESIS, T);
        assertBad(n.verify(), policyEvent + 1, "unanchored_start");
    }

    @ParameterizedTest
    @EnumSource(value = Backend.class, names = {"H2", "POSTGRES"})
    void retentionRefusesToPruneAChainThatDoesNotVerify(Backend backend) {
        Node n = node(backend);
        n.f.tenants.updatePolicy(StoreFixture.OPERATOR, T, Map.of("audit", Map.of("retention_days", 1)));
        n.sql("UPDATE audit_events SET outcome = 'failure' WHERE tenant_id = ? AND chain_seq = ?", T, 5L);
        n.f.clock.advance(Duration.ofDays(2));
        assertThat(n.retention.prune(T)).as("events before the bad one only").isEqualTo(4);
        assertBad(n.verify(), 5, "hash_mismatch");
    }

    /**
     * A verification reads the whole chain: while one walks a tenant, another of that tenant is refused (429 over HTTP),
     * as is a third of any tenant while two walk; the walks under way are not disturbed, and a refused one may be asked
     * again once they end.
     */
    @ParameterizedTest
    @EnumSource(value = Backend.class, names = {"H2"})
    void verificationsWalkOnePerTenantAndTwoAtOnce(Backend backend) throws Exception {
        Node n = node(backend);
        for (String other : List.of("other", "third")) {
            n.f.tenant(other);
            n.f.audit.append(AuditEntry.of(other, "test.event").user("usr_1").build());
        }
        java.util.concurrent.CountDownLatch release = new java.util.concurrent.CountDownLatch(1);
        java.util.concurrent.CountDownLatch hosp = new java.util.concurrent.CountDownLatch(1);
        java.util.concurrent.CountDownLatch other = new java.util.concurrent.CountDownLatch(1);
        var first = blockedWalk(n, T, hosp, release);
        assertThat(hosp.await(30, java.util.concurrent.TimeUnit.SECONDS)).isTrue();

        assertThatThrownBy(n::verify).isInstanceOf(dev.ward.problem.RateLimitedException.class)
                .hasMessageContaining("this tenant's chain");
        var second = blockedWalk(n, "other", other, release);
        assertThat(other.await(30, java.util.concurrent.TimeUnit.SECONDS)).as("another tenant walks beside it").isTrue();
        assertThatThrownBy(() -> n.verifier.verify(StoreFixture.OPERATOR, "third", x -> { }))
                .isInstanceOf(dev.ward.problem.RateLimitedException.class).hasMessage("Too many verifications at once");

        release.countDown();
        assertThat(first.get(30, java.util.concurrent.TimeUnit.SECONDS).ok()).isTrue();
        assertThat(second.get(30, java.util.concurrent.TimeUnit.SECONDS).ok()).isTrue();
        assertThat(n.verify().ok()).as("asked again once the walk ended").isTrue();
        assertThat(n.verifier.verify(StoreFixture.OPERATOR, "third", x -> { }).ok()).isTrue();
    }

    /** A verification whose progress waits, after its first event, until {@code release}. */
    private static java.util.concurrent.CompletableFuture<AuditVerifier.Result> blockedWalk(
            Node n, String tenant, java.util.concurrent.CountDownLatch started, java.util.concurrent.CountDownLatch release) {
        // A thread of its own: the common pool may have a single worker on a small machine.
        java.util.concurrent.CompletableFuture<AuditVerifier.Result> walk = new java.util.concurrent.CompletableFuture<>();
        Thread.ofVirtual().start(() -> {
            try {
                walk.complete(n.verifier.verify(StoreFixture.OPERATOR, tenant, count -> {
                    started.countDown();
                    try {
                        release.await(30, java.util.concurrent.TimeUnit.SECONDS);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                }));
            } catch (RuntimeException e) {
                walk.completeExceptionally(e);
            }
        });
        return walk;
    }
}
