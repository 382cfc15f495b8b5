/**
 * Activity: the host's audit log as a table. The host's `audit.query` (filters, cursor paging across
 * rotated files) is being built; until it lands this section says so instead of showing nothing.
 */
export function ActivitySection() {
  return (
    <section aria-label="Activity">
      <div class="empty-state" data-testid="activity-pending">
        <p>
          <strong>No activity to show yet.</strong>
        </p>
        <p>
          Every proxied request is written to the host’s audit log. This view will list them (time, agent, service, path, status, decision), with
          filters and export, once the host answers <code>audit.query</code>.
        </p>
      </div>
    </section>
  );
}
