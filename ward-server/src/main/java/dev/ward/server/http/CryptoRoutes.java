package dev.ward.server.http;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.ward.access.Actor;
import dev.ward.crypto.CryptoService;
import dev.ward.crypto.KeyVersion;
import dev.ward.crypto.TenantKeys;
import dev.ward.problem.ProblemException;
import io.javalin.http.Context;
import io.javalin.http.HandlerType;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Encryption for apps' fields (API key, scope {@code crypto}) and the administration of tenant keys. */
final class CryptoRoutes {
    private static final String KEYS = "/v1/admin/tenants/{tenant}/keys";

    private final RouteTable routes;
    private final HttpApi.Responses responses;
    private final Credentials credentials;
    private final CryptoService crypto;
    private final TenantKeys keys;
    private final dev.ward.tenant.TenantService tenants;
    private final ObjectMapper json;

    CryptoRoutes(RouteTable routes, HttpApi.Responses responses, Credentials credentials, HttpApi.Services s, ObjectMapper json) {
        this.routes = routes;
        this.responses = responses;
        this.credentials = credentials;
        this.crypto = s.crypto();
        this.keys = s.keys();
        this.tenants = s.tenants();
        this.json = json;
    }

    void register() {
        routes.add(HandlerType.POST, "/v1/crypto/encrypt", this::encrypt);
        routes.add(HandlerType.POST, "/v1/crypto/decrypt", this::decrypt);
        routes.add(HandlerType.POST, "/v1/crypto/rewrap", ctx -> {
            Actor actor = caller(ctx);
            JsonBody body = JsonBody.read(ctx, json);
            responses.json(ctx, 200, Map.of("ciphertext", crypto.rewrap(actor, body.string("ciphertext"))));
        });
        routes.add(HandlerType.POST, "/v1/crypto/import-fernet", ctx -> {
            Actor actor = caller(ctx);
            JsonBody body = JsonBody.read(ctx, json);
            responses.json(ctx, 200, Map.of("ciphertext", crypto.importFernet(actor, body.string("fernet_key"),
                    body.string("token"), body.string("field"), body.optString("context"))));
        });

        routes.add(HandlerType.GET, KEYS, ctx -> {
            String tenant = ctx.pathParam("tenant");
            keyVersions(ctx, tenant, keys.list(credentials.require(ctx), tenant));
        });
        routes.add(HandlerType.POST, KEYS + "/rotate", ctx -> {
            String tenant = ctx.pathParam("tenant");
            keyVersions(ctx, tenant, keys.rotate(credentials.require(ctx), tenant));
        });
        routes.add(HandlerType.POST, KEYS + "/{version}/destroy", ctx -> {
            Actor actor = credentials.require(ctx);
            String tenant = ctx.pathParam("tenant");
            tenants.requireAdminOf(actor, tenant);
            int version = version(ctx.pathParam("version"));
            JsonBody body = JsonBody.read(ctx, json);
            if (!body.bool("confirm")) {
                throw ProblemException.validation("confirm", "confirm must be true: destroying a key version cannot be undone");
            }
            keyVersions(ctx, tenant, keys.destroy(actor, tenant, version, body.has("force") && body.bool("force")));
        });
    }

    private void encrypt(Context ctx) {
        Actor actor = caller(ctx);
        JsonBody body = JsonBody.read(ctx, json);
        if (body.has("items")) {
            List<String> sealed = crypto.encryptAll(actor, body.objects("items").stream().map(CryptoRoutes::encryptItem).toList());
            responses.json(ctx, 200, Map.of("items", sealed.stream().map(c -> Map.of("ciphertext", c)).toList()));
        } else {
            responses.json(ctx, 200, Map.of("ciphertext", crypto.encrypt(actor, encryptItem(body))));
        }
    }

    private void decrypt(Context ctx) {
        Actor actor = caller(ctx);
        JsonBody body = JsonBody.read(ctx, json);
        if (body.has("items")) {
            List<CryptoService.Opened> opened = crypto.decryptAll(actor, body.objects("items").stream().map(CryptoRoutes::decryptItem).toList());
            responses.json(ctx, 200, Map.of("items", opened.stream().map(CryptoRoutes::openedView).toList()));
        } else {
            responses.json(ctx, 200, Map.of("plaintext", crypto.decrypt(actor, decryptItem(body))));
        }
    }

    /** An API key that may use the encryption API, checked before the body is read. */
    private Actor caller(Context ctx) {
        Actor actor = credentials.requireApiKey(ctx);
        crypto.requireCaller(actor);
        return actor;
    }

    private static CryptoService.EncryptItem encryptItem(JsonBody b) {
        return new CryptoService.EncryptItem(b.string("field"), b.text("plaintext"), b.optString("context"));
    }

    private static CryptoService.DecryptItem decryptItem(JsonBody b) {
        return new CryptoService.DecryptItem(b.string("field"), b.string("ciphertext"), b.optString("context"));
    }

    private static Map<String, Object> openedView(CryptoService.Opened o) {
        return switch (o) {
            case CryptoService.Opened.Plaintext p -> Map.of("plaintext", p.value());
            case CryptoService.Opened.Refused r -> {
                Map<String, Object> error = new LinkedHashMap<>();
                error.put("code", r.problem().code());
                error.put("detail", r.problem().detail());
                error.putAll(r.problem().extensions());
                yield Map.of("error", error);
            }
        };
    }

    private void keyVersions(Context ctx, String tenant, List<KeyVersion> versions) {
        responses.json(ctx, 200, Map.of("tenant", tenant, "versions", versions.stream().map(Views::keyVersion).toList()));
    }

    private static int version(String raw) {
        if (raw.matches("[1-9][0-9]{0,8}")) {
            return Integer.parseInt(raw);
        }
        throw ProblemException.validation("version", "version must be a key version number (1, 2, …)");
    }
}
