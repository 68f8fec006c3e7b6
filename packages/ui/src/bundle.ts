// `@wrktalk/ui/bundle` (dist/browser/wrktalk-ui.js): every element, lit and the SDK in one ES module that a page loads
// with a single <script type="module">. Loading it registers every element; its exports are those of the package.
import './define';

export * from './index';
