package dev.headstream.adapter.admin;

import dev.headstream.adapter.admin.CatalogViews.HeadSummary;
import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.subscription.BackPressureStrategy;
import jakarta.annotation.security.RolesAllowed;
import jakarta.inject.Inject;
import jakarta.ws.rs.DefaultValue;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;
import org.jboss.resteasy.reactive.RestStreamElementType;

/**
 * Server-sent events of the catalog's changes, for the dashboard: one event per head that changes
 * (a new version, new metrics, an erasure), optionally only a tenant's or a user's, and a
 * {@code ping} every {@value #PING_SECONDS} seconds so that a client (and the server) notice a
 * dead connection. A slow client loses events rather than holding memory (its newest state is
 * one request away); at most {@value #MAX_STREAMS} streams are open at once.
 */
@Path("/admin/events")
@Tag(name = "admin")
public class AdminEvents {

    static final int PING_SECONDS = 15;

    /** Most event streams open at once on this instance; more are answered 503. */
    static final int MAX_STREAMS = 64;

    private static final AtomicInteger OPEN = new AtomicInteger();

    /** A head that changed, with its newest version and monitors; {@code head} is null when it was erased, {@code ping} a keep-alive. */
    public record Change(String kind, String headId, HeadSummary head) {}

    @Inject
    HeadCatalog catalog;

    @GET
    @Produces(MediaType.SERVER_SENT_EVENTS)
    @RestStreamElementType(MediaType.APPLICATION_JSON)
    @RolesAllowed({"viewer", "operator"})
    @Operation(summary = "Changes of heads as they are read, as server-sent events")
    public Multi<Change> events(
            @QueryParam("tenant") @DefaultValue("") String tenant, @QueryParam("user") @DefaultValue("") String user) {
        if (tenant.isEmpty() && !user.isEmpty()) {
            throw new Problem.Failure(
                    Problem.of(400, "bad-parameter", "Bad parameter", "user needs tenant: a user is a tenant's"));
        }
        if (OPEN.incrementAndGet() > MAX_STREAMS) {
            OPEN.decrementAndGet();
            throw new Problem.Failure(Problem.of(
                    503,
                    "too-many-streams",
                    "Too many event streams",
                    MAX_STREAMS + " event streams are open on this instance; close one or ask another instance"));
        }
        String prefix = tenant.isEmpty() ? "" : user.isEmpty() ? tenant + "/" : tenant + "/" + user + "/";
        Multi<Change> changes = Multi.createFrom()
                .emitter(
                        em -> {
                            Consumer<String> listener = headId -> {
                                if (headId.startsWith(prefix)) {
                                    em.emit(new Change(
                                            "head",
                                            headId,
                                            catalog.state().summary(headId).orElse(null)));
                                }
                            };
                            catalog.listen(listener);
                            em.onTermination(() -> catalog.unlisten(listener));
                        },
                        BackPressureStrategy.DROP);
        Multi<Change> pings = Multi.createFrom()
                .ticks()
                .every(Duration.ofSeconds(PING_SECONDS))
                .map(t -> new Change("ping", null, null));
        return Multi.createBy()
                .merging()
                .streams(changes, pings)
                .onTermination()
                .invoke(OPEN::decrementAndGet);
    }
}
