import { LabIcon } from '@jupyterlab/ui-components';

/** A leader node linked to two workers: the shape of a LeaderWorkerSet group. */
const lwsSvg = `<svg xmlns="http://www.w3.org/2000/svg" width="16" height="16" viewBox="0 0 24 24">
  <g class="jp-icon3" fill="#616161">
    <rect x="9" y="2" width="6" height="6" rx="1"/>
    <rect x="2" y="16" width="6" height="6" rx="1"/>
    <rect x="16" y="16" width="6" height="6" rx="1"/>
    <path d="M11.25 8h1.5v3.25H19a.75.75 0 0 1 .75.75v4h-1.5v-3.25H5.75V16h-1.5v-4a.75.75 0 0 1 .75-.75h6.25z"/>
  </g>
</svg>`;

/** The extension's icon, in the sidebar tab and on the launcher tile. */
export const lwsIcon = new LabIcon({
  name: 'jupyterlab-lws:lws',
  svgstr: lwsSvg
});
