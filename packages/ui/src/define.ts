import { defineAdminElements, defineWrktalkElements } from './index';

// `import '@wrktalk/ui/define'` (or the browser bundle) registers every element under its default tag name: the CT
// elements and the admin console's.
defineWrktalkElements();
defineAdminElements();
