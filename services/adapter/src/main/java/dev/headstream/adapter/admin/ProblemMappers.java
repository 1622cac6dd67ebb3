package dev.headstream.adapter.admin;

import jakarta.ws.rs.WebApplicationException;
import jakarta.ws.rs.core.Response;
import org.jboss.resteasy.reactive.server.ServerExceptionMapper;

/**
 * Answers the admin API's failures as problem details: its own ({@link Problem.Failure}) and the
 * framework's (an unknown path, a method not allowed, a body that is not JSON), which keep their
 * status. Authentication (401) and authorization (403) answers stay Quarkus security's.
 */
public class ProblemMappers {

    @ServerExceptionMapper
    public Response failure(Problem.Failure f) {
        return f.problem().response();
    }

    @ServerExceptionMapper
    public Response framework(WebApplicationException e) {
        int status = e.getResponse().getStatus();
        if (status == 401 || status == 403) {
            return e.getResponse();
        }
        String title = Response.Status.fromStatusCode(status) == null
                ? "HTTP " + status
                : Response.Status.fromStatusCode(status).getReasonPhrase();
        String detail = e.getMessage() == null ? title : e.getMessage();
        return Problem.of(status, Integer.toString(status), title, detail).response();
    }
}
