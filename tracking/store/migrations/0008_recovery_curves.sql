-- Expected recovery (issue 16): the practice's own recovery curve per dynamic, estimated from all
-- stored clients like the subscale reliabilities, so that every client's `not_on_track` flags and
-- expected band rest on the same curves. One row: the curves as `tracking.recovery.Curves.as_dict`
-- writes them, and the recovery settings they were estimated with (another setting: re-estimate).

CREATE TABLE recovery_curves (
    curves JSON NOT NULL,
    settings JSON NOT NULL,
    estimated_at TIMESTAMP NOT NULL
);
