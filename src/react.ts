/** `s3edge/react`: thin hooks over the framework-free uploader and edge objects. */
export { useObservable, useUploader, useUpload } from "./react/hooks.js";
