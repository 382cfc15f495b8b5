/** The options page's sections, in sidebar order; the URL hash names the open one (`#agents`). */
export const OPTIONS_SECTIONS = [
  { id: 'overview', title: 'Overview' },
  { id: 'activity', title: 'Activity' },
  { id: 'services', title: 'Services' },
  { id: 'credentials', title: 'Credentials' },
  { id: 'agents', title: 'Agents' },
  { id: 'sites', title: 'Sites & extensions' },
  { id: 'security', title: 'Backup & security' },
] as const;

export type OptionsSectionId = (typeof OPTIONS_SECTIONS)[number]['id'];

export function sectionFromHash(hash: string): OptionsSectionId {
  const id = hash.replace(/^#/, '');
  // `#grant=extension:ID`: the popup's "Review and grant…" opens the grant form, filled in.
  if (id.startsWith('grant=')) return 'sites';
  return OPTIONS_SECTIONS.find((section) => section.id === id)?.id ?? 'overview';
}
