package dev.ward.atna;

import dev.ward.audit.AuditEvent;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.time.temporal.ChronoUnit;

/**
 * One audit event as an IHE ATNA syslog message (RFC 5424) in RFC 5425's octet-counting frame:
 * {@code MSG-LEN SP <85>1 TIMESTAMP HOSTNAME ward PROCID IHE+RFC-3881 [ward@32473 tenant seq hash] BOM json}.
 * PRI 85 is facility 10 (security/authorization) and severity 5 (notice), as ITI TF-2 3.20 asks. The structured
 * data names the event's tenant and position in the tenant's trail (and its chain hash where there is one), so
 * a receiver can find gaps and duplicates without parsing the FHIR JSON.
 *
 * <p>Ward has no IANA Private Enterprise Number; its SD-ID uses 32473, which RFC 5612 reserves for documentation,
 * so no other organisation's namespace is claimed.
 */
final class Rfc5424 {
    static final String SD_ID = "ward@32473";
    static final String MSGID = "IHE+RFC-3881";
    static final String APP_NAME = "ward";
    private static final byte[] BOM = {(byte) 0xEF, (byte) 0xBB, (byte) 0xBF};

    private Rfc5424() {}

    static byte[] frame(AuditEvent e, String chainHash, String hostname, long pid, String json) {
        StringBuilder header = new StringBuilder(160)
                .append("<85>1 ")
                .append(e.at().truncatedTo(ChronoUnit.MILLIS))
                .append(' ').append(hostname)
                .append(' ').append(APP_NAME)
                .append(' ').append(pid)
                .append(' ').append(MSGID)
                .append(" [").append(SD_ID)
                .append(" tenant=\"").append(escape(e.tenant())).append('"')
                .append(" seq=\"").append(e.seq()).append('"');
        if (chainHash != null) {
            header.append(" hash=\"").append(escape(chainHash)).append('"');
        }
        header.append("] ");
        ByteArrayOutputStream message = new ByteArrayOutputStream(256 + json.length());
        message.writeBytes(header.toString().getBytes(StandardCharsets.US_ASCII));
        // RFC 5424 §6.4: a MSG in UTF-8 starts with the byte order mark.
        message.writeBytes(BOM);
        message.writeBytes(json.getBytes(StandardCharsets.UTF_8));
        byte[] body = message.toByteArray();
        ByteArrayOutputStream framed = new ByteArrayOutputStream(body.length + 8);
        framed.writeBytes((body.length + " ").getBytes(StandardCharsets.US_ASCII));
        framed.writeBytes(body);
        return framed.toByteArray();
    }

    /** RFC 5424 §6.3.3: '"', '\' and ']' are escaped in a PARAM-VALUE. */
    private static String escape(String value) {
        return value.replace("\\", "\\\\").replace("\"", "\\\"").replace("]", "\\]");
    }
}
