package dev.ward.server.mail;

import dev.ward.alert.Alert;
import dev.ward.alert.AlertChannel;
import dev.ward.tenant.Policy;
import dev.ward.tenant.Tenant;
import jakarta.mail.AuthenticationFailedException;
import jakarta.mail.Message;
import jakarta.mail.MessagingException;
import jakarta.mail.SendFailedException;
import jakarta.mail.Session;
import jakarta.mail.Transport;
import jakarta.mail.internet.InternetAddress;
import jakarta.mail.internet.MimeMessage;
import java.net.ConnectException;
import java.net.SocketTimeoutException;
import java.util.Date;
import java.util.Optional;
import java.util.Properties;

/**
 * Alerts by e-mail (Angus Mail) to the tenant's {@code alerts.email_recipients}, one plain-text message per alert: its
 * type, severity, tenant, time and id, and a link to the console. Never the alert's subject or details: those name
 * users and patients, and mail crosses servers Ward does not control (no PHI in mail). Without {@code WARD_SMTP_URL}
 * every attempt fails as {@code smtp_not_configured} and stays in the outbox, to go once the server is configured.
 */
public final class MailChannel implements AlertChannel {
    private static final String TIMEOUT_MILLIS = "10000";

    private final Optional<SmtpTarget> target;
    private final Optional<String> publicUrl;

    public MailChannel(Optional<SmtpTarget> target, Optional<String> publicUrl) {
        this.target = target;
        this.publicUrl = publicUrl;
    }

    @Override
    public String name() { return "email"; }

    @Override
    public boolean wanted(Policy policy) { return !policy.alertEmailRecipients().isEmpty(); }

    @Override
    public Result send(Tenant tenant, Alert alert, String payload) {
        if (target.isEmpty()) {
            return Result.failed(null, "smtp_not_configured");
        }
        SmtpTarget smtp = target.get();
        try {
            Session session = Session.getInstance(properties(smtp));
            MimeMessage message = new MimeMessage(session);
            message.setFrom(new InternetAddress(smtp.from()));
            for (String to : tenant.policy().alertEmailRecipients()) {
                message.addRecipient(Message.RecipientType.TO, new InternetAddress(to));
            }
            message.setSubject("[Ward] " + alert.severity() + " alert: " + alert.type() + " in " + tenant.id(), "UTF-8");
            message.setSentDate(Date.from(alert.at()));
            message.setText(text(tenant, alert), "UTF-8");
            if (smtp.user().isPresent()) {
                Transport.send(message, smtp.user().get(), smtp.password().orElse(""));
            } else {
                Transport.send(message);
            }
            return Result.ok(null);
        } catch (AuthenticationFailedException e) {
            return Result.failed(null, "smtp_auth_failed");
        } catch (SendFailedException e) {
            return Result.failed(null, "smtp_refused");
        } catch (MessagingException e) {
            return Result.failed(null, cause(e));
        }
    }

    /** The message: what happened, where to look. Identifiers of Ward's own objects only. */
    String text(Tenant tenant, Alert alert) {
        String console = publicUrl.map(u -> u + "/console/").orElse("the Ward console (/console/)");
        return "Ward raised an alert in tenant " + tenant.id() + " (" + tenant.name() + ").\n\n"
                + "Type:     " + alert.type() + "\n"
                + "Severity: " + alert.severity() + "\n"
                + "Raised:   " + alert.at() + "\n"
                + "Alert:    " + alert.id() + "\n\n"
                + "Review and acknowledge it in " + console + "\n\n"
                + "This message carries no patient data: the console shows the alert's details to the tenant's administrators.\n";
    }

    private static String cause(MessagingException e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof SocketTimeoutException) {
                return "timeout";
            }
            if (t instanceof ConnectException) {
                return "connect_failed";
            }
        }
        return "smtp_error";
    }

    static Properties properties(SmtpTarget smtp) {
        Properties p = new Properties();
        String protocol = smtp.tls() ? "smtps" : "smtp";
        p.put("mail.transport.protocol", protocol);
        p.put("mail." + protocol + ".host", smtp.host());
        p.put("mail." + protocol + ".port", Integer.toString(smtp.port()));
        p.put("mail." + protocol + ".connectiontimeout", TIMEOUT_MILLIS);
        p.put("mail." + protocol + ".timeout", TIMEOUT_MILLIS);
        p.put("mail." + protocol + ".writetimeout", TIMEOUT_MILLIS);
        p.put("mail." + protocol + ".auth", Boolean.toString(smtp.user().isPresent()));
        // The certificate must name the server, for STARTTLS as for smtps: a certificate any CA issued to any name would
        // let whoever sits on the path take the SMTP password (Angus Mail checks no name unless told to).
        p.put("mail." + protocol + ".ssl.checkserveridentity", "true");
        if (!smtp.tls()) {
            // Upgrade to TLS where the server offers it; a password is never sent over a connection that was not upgraded.
            p.put("mail.smtp.starttls.enable", "true");
            p.put("mail.smtp.starttls.required", Boolean.toString(smtp.user().isPresent()));
        }
        return p;
    }
}
