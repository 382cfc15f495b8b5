/**
 * Sites & extensions: the grants that let a web origin or another extension use Keygate through the
 * browser. The grants editor is its own component (built with the browser-agent bridge); this is
 * its place in the control center.
 */
export function SitesSection() {
  return (
    <section aria-label="Sites and extensions" data-testid="grants-slot">
      <div class="empty-state">
        <p>
          <strong>No site or extension can use Keygate yet.</strong>
        </p>
        <p>Granting a web app or another extension access to your keys, through the browser instead of the local port, is coming with browser-agent support.</p>
      </div>
    </section>
  );
}
