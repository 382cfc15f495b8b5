import { useEffect, useState } from 'preact/hooks';
import { type OptionsSectionId, sectionFromHash } from './options-sections';

/** The section the URL hash names; links and the back button move between sections. */
export function useOpenSection(): OptionsSectionId {
  const [section, setSection] = useState(() => sectionFromHash(location.hash));
  useEffect(() => {
    const follow = () => setSection(sectionFromHash(location.hash));
    addEventListener('hashchange', follow);
    return () => removeEventListener('hashchange', follow);
  }, []);
  return section;
}
