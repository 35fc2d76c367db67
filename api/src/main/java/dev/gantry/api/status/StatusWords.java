package dev.gantry.api.status;

import dev.gantry.api.v1.DeploymentStatus;

/** The words people read for API enums, one place for the CLI and the scheduler's events. */
public final class StatusWords {
    private StatusWords() {
    }

    /** "running", "successful", "failed", "rolled back", "cancelled"; "unknown" otherwise. */
    public static String deployment(DeploymentStatus s) {
        return switch (s) {
            case DEPLOYMENT_RUNNING -> "running";
            case DEPLOYMENT_SUCCESSFUL -> "successful";
            case DEPLOYMENT_FAILED -> "failed";
            case DEPLOYMENT_ROLLED_BACK -> "rolled back";
            case DEPLOYMENT_CANCELLED -> "cancelled";
            default -> "unknown";
        };
    }
}
