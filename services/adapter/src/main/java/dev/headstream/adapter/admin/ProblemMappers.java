package dev.headstream.adapter.admin;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.exc.UnrecognizedPropertyException;
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
    public Response unknownField(UnrecognizedPropertyException e) {
        return Problem.of(
                        400,
                        "bad-body",
                        "Bad body",
                        "unknown field '" + e.getPropertyName() + "'; a command's body takes only "
                                + e.getKnownPropertyIds())
                .response();
    }

    @ServerExceptionMapper
    public Response badJson(JsonProcessingException e) {
        return Problem.of(
                        400,
                        "bad-body",
                        "Bad body",
                        "the body is not the JSON a command takes: " + e.getOriginalMessage())
                .response();
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
