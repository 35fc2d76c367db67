/** Job versions: each applied spec is kept as a numbered version; undo and automatic rollback redeploy one. */
package dev.gantry.scheduler.history;
