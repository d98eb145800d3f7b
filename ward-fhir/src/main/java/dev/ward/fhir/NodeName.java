package dev.ward.fhir;

import java.net.InetAddress;
import java.net.UnknownHostException;

/**
 * This machine's host name, as an RFC 5424 HOSTNAME and Ward's identity in exported events. A class of its own, free
 * of HAPI types: the server names itself at start-up, and loading {@link FhirAuditExport} for that would make the JVM
 * load HAPI's interfaces while verifying it (issue 11: HAPI is loaded on the first FHIR export, never at start-up).
 */
public final class NodeName {
    private NodeName() {}

    public static String local() {
        String fromEnv = System.getenv("HOSTNAME");
        if (fromEnv != null && fromEnv.matches("[A-Za-z0-9.-]{1,255}")) {
            return fromEnv;
        }
        try {
            String name = InetAddress.getLocalHost().getHostName();
            return name.matches("[A-Za-z0-9.-]{1,255}") ? name : "localhost";
        } catch (UnknownHostException e) {
            return "localhost";
        }
    }
}
