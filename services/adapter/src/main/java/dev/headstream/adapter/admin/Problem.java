package dev.headstream.adapter.admin;

import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;

/**
 * A problem detail (RFC 9457), the body of every error the admin API answers itself: {@code type}
 * names the kind of problem ({@code /problems/<code>}, with the reject reason's code when the
 * command would be rejected), {@code detail} says what exactly is wrong.
 */
public record Problem(String type, String title, int status, String detail) {

    /** The media type of a problem detail. */
    public static final String MEDIA_TYPE = "application/problem+json";

    /** A problem of kind {@code code}. */
    public static Problem of(int status, String code, String title, String detail) {
        return new Problem("/problems/" + code, title, status, detail);
    }

    /** This problem as a response. */
    public Response response() {
        return Response.status(status)
                .type(MediaType.valueOf(MEDIA_TYPE))
                .entity(this)
                .build();
    }

    /** Thrown by the admin API's methods; answered as its problem. */
    public static final class Failure extends RuntimeException {
        private final Problem problem;

        public Failure(Problem problem) {
            super(problem.detail(), null, false, false);
            this.problem = problem;
        }

        public Problem problem() {
            return problem;
        }
    }
}
