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
import java.util.function.Consumer;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;
import org.jboss.resteasy.reactive.RestStreamElementType;

/**
 * Server-sent events of the catalog's changes, for the dashboard: one event per head that changes
 * (a new version, new metrics, an erasure), optionally only a tenant's or a user's, and a
 * {@code ping} every {@value #PING_SECONDS} seconds so that a client (and the server) notice a
 * dead connection. A slow client loses events rather than holding memory (its newest state is
 * one request away).
 */
@Path("/admin/events")
@Tag(name = "admin")
public class AdminEvents {

    static final int PING_SECONDS = 15;

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
        return Multi.createBy().merging().streams(changes, pings);
    }
}
