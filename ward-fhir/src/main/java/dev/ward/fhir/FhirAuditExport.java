package dev.ward.fhir;

import ca.uhn.fhir.context.FhirContext;
import ca.uhn.fhir.parser.IParser;
import dev.ward.audit.AuditEvent;
import java.io.IOException;
import java.io.OutputStream;
import java.io.OutputStreamWriter;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.util.Iterator;
import java.util.UUID;

/**
 * Audit events as FHIR R4 JSON: one {@code AuditEvent} resource, or a whole trail as a {@code Bundle} written
 * one entry at a time, so an export of millions of events holds one resource in memory, never the bundle.
 *
 * <p>The bundle's type is {@code collection}: an export is a set of resources gathered for transport, not the
 * answer to a FHIR search ({@code searchset} would promise search modes, a total and paging links that a
 * streamed file cannot honestly give).
 *
 * <p>HAPI's {@link FhirContext} costs about a second and tens of megabytes to build, so it is made on the first
 * export or forwarded event, never at start-up or on the session path.
 */
public final class FhirAuditExport {
    private final String node;

    /** Exports that name {@code node} (Ward's host name) as the reporting source. */
    public FhirAuditExport(String node) {
        this.node = node;
    }

    /** Exports naming this machine's host name. */
    public static FhirAuditExport onThisNode() {
        return new FhirAuditExport(localNodeName());
    }

    /**
     * Writes the events as a Bundle of type collection, in the iterator's order, and flushes; {@code out} stays
     * open. Each entry's {@code fullUrl} is a name-based UUID of tenant and seq, the same in every export.
     */
    public static void write(Iterator<AuditEvent> events, OutputStream out) {
        onThisNode().writeBundle(events, out);
    }

    /** As {@link #write}, naming this exporter's node. */
    public void writeBundle(Iterator<AuditEvent> events, OutputStream out) {
        IParser parser = Lazy.CONTEXT.newJsonParser();
        try {
            Writer w = new OutputStreamWriter(out, StandardCharsets.UTF_8);
            w.write("{\"resourceType\":\"Bundle\",\"type\":\"collection\"");
            // FHIR JSON has no empty arrays: "entry" opens with the first event, if there is one.
            boolean first = true;
            while (events.hasNext()) {
                AuditEvent e = events.next();
                w.write(first ? ",\"entry\":[" : ",");
                first = false;
                w.write("{\"fullUrl\":\"urn:uuid:");
                w.write(entryId(e).toString());
                w.write("\",\"resource\":");
                w.write(parser.encodeResourceToString(FhirAuditEvent.of(e, e.hash(), node)));
                w.write('}');
            }
            w.write(first ? "}" : "]}");
            w.flush();
        } catch (IOException ex) {
            throw new UncheckedIOException("writing the FHIR export failed", ex);
        }
    }

    /** One event as compact FHIR JSON: the MSG of an ATNA syslog message. */
    public String json(AuditEvent e, String chainHash) {
        return Lazy.CONTEXT.newJsonParser().encodeResourceToString(FhirAuditEvent.of(e, chainHash, node));
    }

    static UUID entryId(AuditEvent e) {
        return UUID.nameUUIDFromBytes((e.tenant() + "/" + e.seq()).getBytes(StandardCharsets.UTF_8));
    }

    /** The host name of this machine, as an RFC 5424 HOSTNAME and Ward's identity in exported events. */
    public static String localNodeName() {
        return NodeName.local();
    }

    /** Initialization-on-demand: the JVM builds the context on first use of {@code CONTEXT}, once, thread-safely. */
    private static final class Lazy {
        static final FhirContext CONTEXT = FhirContext.forR4();
    }
}
