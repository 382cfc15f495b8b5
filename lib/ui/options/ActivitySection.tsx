/**
 * Activity: the host's audit log as a table, from `audit.query` (filters, cursor paging across rotated
 * files). The table is being built; until it lands this section says so instead of showing nothing.
 */
export function ActivitySection() {
  return (
    <section aria-label="Activity">
      <div class="empty-state" data-testid="activity-pending">
        <p>
          <strong>No activity to show yet.</strong>
        </p>
        <p>
          Every proxied request is written to the host’s audit log. This view is being built: it will list them (time, agent, service, path,
          status, decision) with filters and export. Each agent key’s recent use is already shown under <a href="#agents">Agents</a>.
        </p>
      </div>
    </section>
  );
}
