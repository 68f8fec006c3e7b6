import { defineWrktalkElements } from './index';

// `import '@wrktalk/ui/define'` (or the bundled script) registers every element under its default tag name.
defineWrktalkElements();
