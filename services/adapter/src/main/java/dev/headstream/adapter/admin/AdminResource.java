package dev.headstream.adapter.admin;

import dev.headstream.adapter.admin.CatalogViews.HeadDetail;
import dev.headstream.adapter.admin.CatalogViews.UserDetail;
import dev.headstream.adapter.admin.CatalogViews.UserPage;
import dev.headstream.core.assembly.EngineSpec;
import dev.headstream.core.ingest.SampleRejectedException;
import dev.headstream.core.ingest.UserKey;
import dev.headstream.core.wire.ControlDecoder;
import dev.headstream.schemas.Topics;
import dev.headstream.schemas.v1.Control;
import dev.headstream.schemas.v1.ControlAction;
import jakarta.annotation.security.RolesAllowed;
import jakarta.inject.Inject;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.DefaultValue;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.HeaderParam;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.Map;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;

/**
 * The admin API: what the catalog knows of users and heads ({@code viewer} or {@code operator}),
 * and the operator's commands on a user ({@code operator}): reset, rollback, freeze, unfreeze and
 * erase. A command is a record on {@code headstream.control}, checked here as the adapter will
 * check it (a command the adapter would reject is answered 400 with the reject reason, and not
 * sent); the adapter that owns the user applies it exactly once in a batch transaction, and its
 * effect shows on {@code headstream.heads} as with {@code headstream control}. Errors are problem
 * details ({@link Problem}).
 */
@Path("/admin")
@Produces(MediaType.APPLICATION_JSON)
@Tag(name = "admin", description = "Users, heads and operator commands")
public class AdminResource {

    /** Most users on one page. */
    static final int MAX_LIMIT = 500;

    private static final Map<String, ControlAction> ACTIONS = Map.of(
            "reset", ControlAction.CONTROL_ACTION_RESET,
            "rollback", ControlAction.CONTROL_ACTION_ROLLBACK,
            "freeze", ControlAction.CONTROL_ACTION_FREEZE,
            "unfreeze", ControlAction.CONTROL_ACTION_UNFREEZE,
            "erase", ControlAction.CONTROL_ACTION_ERASE,
            "forget-output", ControlAction.CONTROL_ACTION_FORGET_OUTPUT);

    @Inject
    HeadCatalog catalog;

    @Inject
    ControlSender sender;

    @Inject
    EngineSpec spec;

    /**
     * The header every command must carry. A page of another site cannot send it (a cross-origin
     * request with a custom header needs a CORS preflight, which this service never grants), so a
     * browser that holds an operator's credentials cannot be made to send a command (CSRF).
     */
    public static final String COMMAND_HEADER = "X-Headstream-Command";

    /**
     * An operator command's optional details; any other field is refused
     * ({@code quarkus.jackson.fail-on-unknown-properties}): a misspelt {@code task} must not mean every task.
     */
    public record ActionRequest(String task, String reason, String output) {}

    /** Where a command was written; its effect follows on {@code headstream.heads}. */
    public record ActionAccepted(
            String action, String tenant, String user, String task, String topic, int partition, long offset) {}

    @GET
    @Path("/users")
    @RolesAllowed({"viewer", "operator"})
    @Operation(summary = "Users with at least one head, in tenant and user order, a page at a time")
    public UserPage users(
            @QueryParam("tenant") @DefaultValue("") String tenant,
            @QueryParam("q") @DefaultValue("") String query,
            @QueryParam("offset") @DefaultValue("0") String offset,
            @QueryParam("limit") @DefaultValue("50") String limit) {
        int from = number("offset", offset, 0, Integer.MAX_VALUE);
        int size = number("limit", limit, 1, MAX_LIMIT);
        return state().users(tenant, query, from, size).caughtUp(catalog.caughtUp());
    }

    @GET
    @Path("/users/{tenant}/{user}")
    @RolesAllowed({"viewer", "operator"})
    @Operation(summary = "A user's heads: newest version, monitors and alarms")
    public UserDetail user(@PathParam("tenant") String tenant, @PathParam("user") String user) {
        UserKey key = key(tenant, user);
        return state().user(key.tenant(), key.user())
                .orElseThrow(() -> notFound("no head of user '" + key + "' is known" + lag()));
    }

    @GET
    @Path("/heads/{tenant}/{user}/{task}")
    @RolesAllowed({"viewer", "operator"})
    @Operation(summary = "A head: newest version, kept history, monitors and prequential curve")
    public HeadDetail head(
            @PathParam("tenant") String tenant, @PathParam("user") String user, @PathParam("task") String task) {
        UserKey key = key(tenant, user);
        String headId = key.headId(task);
        return state().head(headId).orElseThrow(() -> notFound("no head '" + headId + "' is known" + lag()));
    }

    @POST
    @Path("/users/{tenant}/{user}/{action}")
    @Consumes(MediaType.APPLICATION_JSON)
    @RolesAllowed("operator")
    @Operation(
            summary = "Send an operator command for a user (reset, rollback, freeze, unfreeze, erase, forget-output),"
                    + " for one task or all; answered once the broker has it. Needs Content-Type: application/json"
                    + " and the header X-Headstream-Command")
    public Response act(
            @PathParam("tenant") String tenant,
            @PathParam("user") String user,
            @PathParam("action") String action,
            @HeaderParam(COMMAND_HEADER) String marker,
            @HeaderParam("Content-Type") String contentType,
            ActionRequest request) {
        if (marker == null
                || contentType == null
                || !contentType.toLowerCase(Locale.ROOT).startsWith("application/json")) {
            throw new Problem.Failure(Problem.of(
                    400,
                    "command-header",
                    "Not a command request",
                    "a command needs Content-Type: application/json and the header " + COMMAND_HEADER
                            + " (which pages of other sites cannot send)"));
        }
        ControlAction wire = ACTIONS.get(action.toLowerCase(Locale.ROOT));
        if (wire == null) {
            throw new Problem.Failure(Problem.of(
                    400,
                    "unknown-action",
                    "Unknown action",
                    "unknown action '" + shown(action)
                            + "'; expected one of erase, forget-output, freeze, reset, rollback, unfreeze"));
        }
        UserKey key = key(tenant, user);
        ActionRequest r = request == null ? new ActionRequest(null, null, null) : request;
        Control command = Control.newBuilder()
                .setTenant(key.tenant())
                .setUser(key.user())
                .setTask(r.task() == null ? "" : r.task())
                .setAction(wire)
                .setReason(r.reason() == null ? "" : r.reason())
                .setOutput(r.output() == null ? "" : r.output())
                .build();
        try {
            new ControlDecoder(spec.taskNames())
                    .decode(key.toString().getBytes(StandardCharsets.UTF_8), command.toByteArray());
        } catch (SampleRejectedException e) {
            throw new Problem.Failure(Problem.of(
                    400,
                    e.reason().name().toLowerCase(Locale.ROOT),
                    "The adapter would reject this command",
                    e.getMessage()));
        }
        RecordMetadata written;
        try {
            written = sender.send(command);
        } catch (IllegalStateException e) {
            throw new Problem.Failure(Problem.of(503, "kafka", "The command was not written", e.getMessage()));
        }
        return Response.accepted(new ActionAccepted(
                        action.toLowerCase(Locale.ROOT),
                        key.tenant(),
                        key.user(),
                        command.getTask(),
                        Topics.CONTROL,
                        written.partition(),
                        written.offset()))
                .build();
    }

    private CatalogState state() {
        if (!catalog.enabled()) {
            throw new Problem.Failure(Problem.of(
                    503,
                    "catalog-off",
                    "The catalog is off",
                    "this instance does not follow the heads (headstream.admin.catalog=false); ask another"));
        }
        String failure = catalog.failure();
        if (failure != null) {
            throw new Problem.Failure(Problem.of(
                    503,
                    "catalog-unavailable",
                    "The catalog cannot read the heads",
                    "this instance cannot read " + Topics.HEADS + " and " + Topics.METRICS + " (" + failure
                            + "); with Kafka authentication the admin API's keys headstream.admin.kafka.* must be an"
                            + " operator's credentials (docs/admin-api.md)"));
        }
        return catalog.state();
    }

    private String lag() {
        return catalog.caughtUp() ? "" : " (the catalog is still reading the topics)";
    }

    private static UserKey key(String tenant, String user) {
        try {
            return new UserKey(tenant, user);
        } catch (IllegalArgumentException e) {
            throw new Problem.Failure(Problem.of(400, "bad-key", "Not a user", e.getMessage()));
        }
    }

    private static int number(String name, String value, int min, int max) {
        int n;
        try {
            n = Integer.parseInt(value.strip());
        } catch (NumberFormatException e) {
            throw new Problem.Failure(Problem.of(
                    400, "bad-parameter", "Bad parameter", name + " must be a number, got '" + shown(value) + "'"));
        }
        if (n < min || n > max) {
            throw new Problem.Failure(Problem.of(
                    400, "bad-parameter", "Bad parameter", name + " must be " + min + " to " + max + ", got " + n));
        }
        return n;
    }

    private static Problem.Failure notFound(String detail) {
        return new Problem.Failure(Problem.of(404, "not-found", "Not found", detail));
    }

    private static String shown(String s) {
        return s.length() <= 80 ? s : s.substring(0, 80) + "...";
    }
}
