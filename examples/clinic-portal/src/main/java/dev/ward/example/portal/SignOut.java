package dev.ward.example.portal;

import dev.ward.client.WardClient;
import dev.ward.client.WardException;
import dev.ward.client.servlet.SessionCookie;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.util.Optional;

/** {@code POST /logout}: Ward ends the session (its patient contexts and their data die with it), the cookie goes. */
final class SignOut extends PortalServlet {
    SignOut(ClinicPortal.Settings settings, WardClient ward, SessionCookie cookie) { super(settings, ward, cookie); }

    @Override
    protected void doPost(HttpServletRequest req, HttpServletResponse res) throws IOException {
        Optional<String> token = cookie.read(req);
        try {
            if (token.isPresent()) {
                ward.logout(token.get(), endUser(req));
            }
        } catch (WardException e) {
            // The person asked to leave: the cookie goes either way, but they must know the session may still be live.
            log("Sign-out could not reach Ward: " + e.getMessage());
            cookie.clear(req, res);
            page(res, 503, "Sign-out incomplete", Optional.empty(), SignIn.error("Ward could not be reached to end your "
                    + "session. Close the browser; the session ends by itself after its idle timeout."));
            return;
        }
        cookie.clear(req, res);
        res.sendRedirect("/login?signed_out=logout");
    }
}
